using System.Buffers.Text;
using System.Text;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The usage script's key names per bucket, encoded once. A dedup key is its prefix with the node id after it
/// (<see cref="RedisKey.Prepend"/> keeps both arrays as they are and the library writes one after the other); a usage key
/// is encoded whole once and kept by <see cref="UsageKeyTable"/>. The hot path never formats a string.
/// </summary>
internal sealed class UsageKeyNames
{
    private readonly byte[][] _usagePrefixes;
    private readonly RedisKey[] _seqPrefixes;
    private readonly RedisKey[] _events;

    public UsageKeyNames(int bucketCount)
    {
        _usagePrefixes = new byte[bucketCount][];
        _seqPrefixes = new RedisKey[bucketCount];
        _events = new RedisKey[bucketCount];
        for (int b = 0; b < bucketCount; b++)
        {
            _usagePrefixes[b] = Encoding.UTF8.GetBytes(RedisKeys.UsagePrefix(b));
            _seqPrefixes[b] = Encoding.UTF8.GetBytes(RedisKeys.SeqPrefix(b));
            _events[b] = Encoding.UTF8.GetBytes(RedisKeys.Events(b));
        }
    }

    /// <summary>The usage key <c>{bN}:u:&lt;subscription&gt;:&lt;period start&gt;</c> of <paramref name="key"/>, in a new array.</summary>
    public RedisKey Usage(int bucket, UsageCall.UsageKey key)
    {
        byte[] prefix = _usagePrefixes[bucket];
        Span<byte> name = stackalloc byte[prefix.Length + RedisKeys.IdChars + 1 + 20];
        prefix.CopyTo(name);
        RedisKeys.WriteId(key.Subscription, name[prefix.Length..]);
        name[prefix.Length + RedisKeys.IdChars] = (byte)':';
        Utf8Formatter.TryFormat(key.PeriodStart, name[(prefix.Length + RedisKeys.IdChars + 1)..], out int digits);
        return name[..(prefix.Length + RedisKeys.IdChars + 1 + digits)].ToArray();
    }

    /// <summary><c>{bN}:seq:</c>, followed by the node.</summary>
    public RedisKey SeqPrefix(int bucket) => _seqPrefixes[bucket];

    /// <summary><c>{bN}:events</c>, the over-limit stream.</summary>
    public RedisKey Events(int bucket) => _events[bucket];
}
