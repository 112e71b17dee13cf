using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Redis;

/// <summary>
/// The Api's one reader of live usage: the integer key per subscription and period that Ingest counts in Redis
/// (<see cref="RedisKeys.Usage"/>). It owns the bucket count the keys are built with (<c>Ingest:BucketCount</c>,
/// which Ingest reads too). Reads and deletes throw what StackExchange.Redis throws (<see cref="RedisFailure.Is"/>);
/// each caller decides what a missing answer means (no header, a list without usage, a retry).
/// </summary>
internal sealed class LiveUsage(IDatabase redis, int bucketCount)
{
    private const int DeleteBatch = 1000;

    /// <summary>The bucket count every Redis key of a subscription is built with.</summary>
    public int BucketCount => bucketCount;

    /// <summary>Where <paramref name="state"/>'s usage in the period containing <paramref name="nowMs"/> is counted.</summary>
    public UsageKey KeyOf(Guid id, SubscriptionState state, long nowMs)
    {
        long start = state.PeriodStart(nowMs);
        return new UsageKey(id, RedisKeys.Usage(id, start, bucketCount), start, state.Period is not null);
    }

    /// <summary>As <see cref="KeyOf(Guid, SubscriptionState, long)"/>, from a subscription's effective period text and its anchor.</summary>
    public UsageKey KeyOf(Guid id, string? effectivePeriod, DateTimeOffset anchor, long nowMs)
    {
        // A period the parser refuses cannot have been published to Ingest either, which then counts without resets.
        ResetPeriod? period = ResetPeriod.TryParse(effectivePeriod, out ResetPeriod p, out _) ? p : null;
        return KeyOf(id, new SubscriptionState(null, null, false, period, anchor.ToUnixTimeMilliseconds()), nowMs);
    }

    /// <summary>Bytes used (up + down) under one key; 0 when nothing was counted yet.</summary>
    public async ValueTask<long> ReadAsync(UsageKey key, CancellationToken ct)
        => Parse(await redis.StringGetAsync(key.Key).WaitAsync(ct));

    /// <summary>
    /// Bytes used under each key, in order, in one round: one MGET per bucket, all sent before any reply is awaited
    /// (keys of a bucket share a hash tag, so each MGET stays in one Cluster slot).
    /// </summary>
    public async Task<long[]> ReadAsync(IReadOnlyList<UsageKey> keys, CancellationToken ct)
    {
        var result = new long[keys.Count];
        if (keys.Count == 0) return result;
        List<(List<int> Rows, Task<RedisValue[]> Reply)> rounds = [];
        foreach (List<int> rows in ByBucket(keys))
        {
            var batch = new RedisKey[rows.Count];
            for (int i = 0; i < rows.Count; i++) batch[i] = keys[rows[i]].Key;
            rounds.Add((rows, redis.StringGetAsync(batch)));
        }
        await Task.WhenAll(rounds.Select(r => r.Reply)).WaitAsync(ct);
        foreach ((List<int> rows, Task<RedisValue[]> reply) in rounds)
        {
            RedisValue[] values = await reply;
            for (int i = 0; i < rows.Count && i < values.Length; i++) result[rows[i]] = Parse(values[i]);
        }
        return result;
    }

    /// <summary>Deletes the keys in per-bucket batches, so a caller's transaction can roll back when Redis refuses.</summary>
    public async Task DeleteAsync(IReadOnlyList<UsageKey> keys, CancellationToken ct)
    {
        foreach (List<int> rows in ByBucket(keys))
        {
            for (int offset = 0; offset < rows.Count; offset += DeleteBatch)
            {
                var batch = new RedisKey[Math.Min(DeleteBatch, rows.Count - offset)];
                for (int i = 0; i < batch.Length; i++) batch[i] = keys[rows[offset + i]].Key;
                await redis.KeyDeleteAsync(batch).WaitAsync(ct);
            }
        }
    }

    // Ingest only ever INCRBYs these keys; anything else (a hand-edited key) reads as nothing counted, not as a 500.
    private static long Parse(RedisValue value) => value.TryParse(out long used) ? used : 0;

    private Dictionary<int, List<int>>.ValueCollection ByBucket(IReadOnlyList<UsageKey> keys)
    {
        var buckets = new Dictionary<int, List<int>>();
        for (int i = 0; i < keys.Count; i++)
        {
            int bucket = Buckets.Of(keys[i].Id, bucketCount);
            if (!buckets.TryGetValue(bucket, out List<int>? rows)) buckets[bucket] = rows = [];
            rows.Add(i);
        }
        return buckets.Values;
    }
}
