using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.StateSync;

/// <summary>
/// Resolves a node token to its node id. Tokens live in Redis only as the SHA-256 of the key (the Api
/// publishes them); Ingest keeps a positive cache that the change feed clears on any token change and
/// that expires after <see cref="IngestOptions.CacheMaxAge"/> anyway, so a revoked token stops working
/// within seconds even if a change notice is lost.
/// </summary>
internal sealed class NodeTokenCache(IDatabase redis, IngestOptions options, TimeProvider time)
{
    // Bounds memory if someone cycles through many valid tokens; clearing is cheap and self-healing.
    private const int MaxEntries = 100_000;

    private readonly ConcurrentDictionary<TokenKey, Entry> _entries = new();
    private readonly long _maxAgeMs = (long)options.CacheMaxAge.TotalMilliseconds;
    private long _generation;

    /// <summary>Looks the token up; null when it is unknown or revoked.</summary>
    public ValueTask<Guid?> ResolveAsync(ReadOnlySpan<char> token, CancellationToken ct)
    {
        // A key is 32 characters; anything far longer is not a token and is not hashed at length.
        if (token.IsEmpty || token.Length > 128)
        {
            return new((Guid?)null);
        }
        // The Api issues tokens in ASCII (base64url), so one byte per character; anything else is not a token.
        Span<byte> ascii = stackalloc byte[128];
        if (Ascii.FromUtf16(token, ascii, out int n) != OperationStatus.Done)
        {
            return new((Guid?)null);
        }
        Span<byte> hash = stackalloc byte[32]; // SHA-256
        SHA256.HashData(ascii[..n], hash);
        var key = new TokenKey(hash);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_entries.TryGetValue(key, out Entry entry) && now - entry.FetchedAtMs < _maxAgeMs)
        {
            return new(entry.NodeId);
        }
        return FetchAsync(key, RedisKeys.NodeToken(hash), now, Volatile.Read(ref _generation), ct);
    }

    private async ValueTask<Guid?> FetchAsync(TokenKey key, string redisKey, long now, long generation, CancellationToken ct)
    {
        // The library's commands take no token: the request stops waiting when it is cancelled, the read completes anyway.
        string? node = await redis.HashGetAsync(redisKey, "node_id").WaitAsync(ct);
        if (node is null || !Guid.TryParseExact(node, "N", out Guid nodeId))
        {
            _entries.TryRemove(key, out _);
            return null;
        }
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
        var entry = new Entry(nodeId, now);
        _entries[key] = entry;
        // An invalidation that ran while the read was under way may be the revocation of this very token: the answer read
        // before it serves this request, but must not stay cached for the max age (the generation check of the state cache).
        if (Volatile.Read(ref _generation) != generation)
        {
            _entries.TryRemove(new KeyValuePair<TokenKey, Entry>(key, entry));
        }
        return nodeId;
    }

    /// <summary>Drops every cached token: called when the Api reports any token change.</summary>
    public void Invalidate()
    {
        // Bumped before the clear: a read that stores after the clear sees the new generation and takes its value back.
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    private readonly record struct Entry(Guid NodeId, long FetchedAtMs);

    /// <summary>The 32-byte hash as four words: a struct key, so a lookup allocates nothing.</summary>
    private readonly record struct TokenKey(ulong A, ulong B, ulong C, ulong D)
    {
        public TokenKey(ReadOnlySpan<byte> h)
            : this(BinaryPrimitives.ReadUInt64LittleEndian(h), BinaryPrimitives.ReadUInt64LittleEndian(h[8..]),
                   BinaryPrimitives.ReadUInt64LittleEndian(h[16..]), BinaryPrimitives.ReadUInt64LittleEndian(h[24..]))
        {
        }
    }
}
