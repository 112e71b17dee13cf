using System.Collections.Concurrent;
using System.Globalization;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// Subscription state (limit, expiry, suspension, reset period) as the Api publishes it to Redis, held in
/// memory so the hot path reads it with one dictionary lookup per report. Entries are dropped by the change
/// feed as soon as the Api changes them and refreshed after <see cref="MaxAge"/> in any case.
/// </summary>
internal sealed class SubscriptionStateCache(RedisClient redis, IngestOptions options)
{
    private const int MaxEntries = 1_000_000;

    /// <summary>Upper bound on staleness if a change notice is lost (the feed normally acts within a second).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();
    private readonly long _maxAgeMs = (long)MaxAge.TotalMilliseconds;

    public bool TryGet(Guid subscriptionId, long nowMs, out SubscriptionState state)
    {
        if (_entries.TryGetValue(subscriptionId, out Entry e) && nowMs - e.FetchedAtMs < _maxAgeMs)
        {
            state = e.State;
            return true;
        }
        state = SubscriptionState.Unrestricted;
        return false;
    }

    /// <summary>Loads the given subscriptions from Redis, pipelined, caches them and returns them in the same order.</summary>
    public async Task<SubscriptionState[]> LoadAsync(Guid[] ids, long nowMs, CancellationToken ct)
    {
        // All HMGETs are queued before the first await, so they travel pipelined.
        var pending = new Task<RespValue>[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            pending[i] = redis.ExecuteAsync("HMGET",
                [RedisKeys.SubscriptionState(ids[i], options.BucketCount), SubscriptionState.Fields.MaxTraffic,
                 SubscriptionState.Fields.ExpiresAt, SubscriptionState.Fields.Suspended,
                 SubscriptionState.Fields.ResetPeriod, SubscriptionState.Fields.ResetAnchor], ct).AsTask();
        }
        if (_entries.Count + ids.Length > MaxEntries)
        {
            _entries.Clear();
        }
        var states = new SubscriptionState[ids.Length];
        for (int i = 0; i < pending.Length; i++)
        {
            RespValue reply = await pending[i];
            var fields = new string?[reply.Length];
            for (int f = 0; f < fields.Length; f++) fields[f] = reply[f].AsString();
            states[i] = Parse(fields);
            _entries[ids[i]] = new Entry(states[i], nowMs);
        }
        return states;
    }

    /// <summary>Parses the state hash; a malformed field counts as absent rather than failing ingestion.</summary>
    internal static SubscriptionState Parse(string?[] f)
    {
        if (f[0] is null && f[1] is null && f[2] is null && f[3] is null)
        {
            return SubscriptionState.Unrestricted;
        }
        long? max = long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out long m) ? m : null;
        long? expires = long.TryParse(f[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long x) ? x : null;
        bool suspended = f[2] == "1";
        ResetPeriod? period = ResetPeriod.TryParse(f[3], out ResetPeriod p, out _) ? p : null;
        long anchor = long.TryParse(f[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long a) ? a : 0;
        return new SubscriptionState(max, expires, suspended, period, anchor);
    }

    public void Invalidate(Guid subscriptionId) => _entries.TryRemove(subscriptionId, out _);

    public void InvalidateAll() => _entries.Clear();

    private readonly record struct Entry(SubscriptionState State, long FetchedAtMs);
}
