using StackExchange.Redis;
using Vpn.Perf.Api.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// Live usage in Redis, where Ingest counts it: one integer key per subscription and period
/// (<see cref="RedisKeys.Usage"/>). Reads a whole page in one round: one MGET per bucket, all sent before any reply
/// is awaited (keys of a bucket share a hash tag, so each MGET stays in one Cluster slot).
/// </summary>
internal sealed partial class UsageStore(IDatabase redis, int bucketCount, ILogger<UsageStore> logger)
{
    private const int DeleteBatch = 1000;

    /// <summary>Where a subscription's usage in the period containing <paramref name="nowMs"/> is counted.</summary>
    public UsageKey KeyOf(Guid id, string? effectivePeriod, DateTimeOffset anchor, long nowMs)
    {
        // A period the parser refuses cannot have been published to Ingest either, which then counts without resets.
        ResetPeriod? period = ResetPeriod.TryParse(effectivePeriod, out ResetPeriod p, out _) ? p : null;
        long start = new SubscriptionState(null, null, false, period, anchor.ToUnixTimeMilliseconds()).PeriodStart(nowMs);
        return new UsageKey(id, RedisKeys.Usage(id, start, bucketCount), period is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(start));
    }

    /// <summary>Bytes used for each key (0 when nothing was counted yet); null when Redis cannot answer, so a list still shows.</summary>
    public async Task<long[]?> ReadAsync(IReadOnlyList<UsageKey> keys, CancellationToken ct)
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
        try
        {
            await Task.WhenAll(rounds.Select(r => r.Reply)).WaitAsync(ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            LogUsageUnavailable(logger, keys.Count, ex);
            return null;
        }
        foreach ((List<int> rows, Task<RedisValue[]> reply) in rounds)
        {
            RedisValue[] values = await reply;
            for (int i = 0; i < rows.Count && i < values.Length; i++)
            {
                result[rows[i]] = values[i].IsNull ? 0 : (long)values[i];
            }
        }
        return result;
    }

    /// <summary>Deletes the keys in per-bucket batches; a Redis failure (<see cref="RedisFailure.Is"/>) throws, so the caller's transaction rolls back.</summary>
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis did not answer the usage of {Count} subscription(s); they are listed without usage.")]
    private static partial void LogUsageUnavailable(ILogger logger, int count, Exception exception);
}
