using System.Text;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The usage script's key names per bucket, encoded once. A dedup key is one of these prefixes with the node id after
/// it (<see cref="RedisKey.Prepend"/> keeps both arrays as they are and the library writes one after the other), so the
/// hot path never formats a string and never copies a prefix. (A usage key's name comes whole with its report:
/// <see cref="PendingReport.UsageKey"/>.)
/// </summary>
internal sealed class UsageKeyNames
{
    private readonly RedisKey[] _seqPrefixes;
    private readonly RedisKey[] _events;

    public UsageKeyNames(int bucketCount)
    {
        _seqPrefixes = new RedisKey[bucketCount];
        _events = new RedisKey[bucketCount];
        for (int b = 0; b < bucketCount; b++)
        {
            _seqPrefixes[b] = Encoding.UTF8.GetBytes(RedisKeys.SeqPrefix(b));
            _events[b] = Encoding.UTF8.GetBytes(RedisKeys.Events(b));
        }
    }

    /// <summary><c>{bN}:seq:</c>, followed by the node.</summary>
    public RedisKey SeqPrefix(int bucket) => _seqPrefixes[bucket];

    /// <summary><c>{bN}:events</c>, the over-limit stream.</summary>
    public RedisKey Events(int bucket) => _events[bucket];
}
