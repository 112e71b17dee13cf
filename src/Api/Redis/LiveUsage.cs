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
    private readonly Lock _gate = new();
    private List<PendingRead> _queued = [];
    private bool _reading;

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

    /// <summary>
    /// Bytes used (up + down) under one key; 0 when nothing was counted yet. Concurrent reads share round trips: a read
    /// that finds none in flight is sent at once, and the reads that arrive while one is in flight go together in the
    /// next, as one MGET (one per bucket in a Cluster, where a bucket's keys share a slot). Under load a config fetch
    /// then costs Redis and this process a fraction of a command; alone it waits for nothing. The answer always comes:
    /// the client's own timeouts bound a round trip, so there is no cancellation to pass.
    /// </summary>
    public Task<long> ReadAsync(UsageKey key)
    {
        var read = new PendingRead(key);
        List<PendingRead>? batch = null;
        lock (_gate)
        {
            _queued.Add(read);
            if (!_reading)
            {
                _reading = true;
                batch = TakeQueued();
            }
        }
        if (batch is not null) _ = ReadBatchAsync(batch);
        return read.Done.Task;
    }

    /// <summary>Bytes used under each key, in order, in one round (<see cref="GetManyAsync"/>).</summary>
    public async Task<long[]> ReadAsync(IReadOnlyList<UsageKey> keys, CancellationToken ct)
    {
        var result = new long[keys.Count];
        if (keys.Count == 0) return result;
        RedisValue[] values = await GetManyAsync(keys.Count, i => keys[i]).WaitAsync(ct);
        for (int i = 0; i < result.Length; i++) result[i] = Parse(values[i]);
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

    private async Task ReadBatchAsync(List<PendingRead> batch)
    {
        RedisValue[]? values = null;
        Exception? failure = null;
        try
        {
            values = await ReadBatchValuesAsync(batch);
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        // The next round goes out before this one's readers resume, so they run beside it, not before it.
        List<PendingRead>? next;
        lock (_gate)
        {
            next = _queued.Count == 0 ? null : TakeQueued();
            _reading = next is not null;
        }
        if (next is not null) _ = ReadBatchAsync(next);
        for (int i = 0; i < batch.Count; i++)
        {
            if (failure is null) batch[i].Done.SetResult(Parse(values![i]));
            else batch[i].Done.SetException(failure);
        }
    }

    private Task<RedisValue[]> ReadBatchValuesAsync(List<PendingRead> batch)
        => batch.Count == 1 ? GetOneAsync(batch[0].Key) : GetManyAsync(batch.Count, i => batch[i].Key);

    private async Task<RedisValue[]> GetOneAsync(UsageKey key) => [await redis.StringGetAsync(key.Key)];

    /// <summary>
    /// The values of <paramref name="count"/> keys, in order, in one round: one MGET, or in a Cluster (which refuses a
    /// multi-key command across slots) one per bucket, whose keys share a hash tag, all sent before any reply is awaited.
    /// </summary>
    private async Task<RedisValue[]> GetManyAsync(int count, Func<int, UsageKey> keyOf)
    {
        var keys = new RedisKey[count];
        for (int i = 0; i < count; i++) keys[i] = keyOf(i).Key;
        if (redis.Multiplexer.HashSlot(keys[0]) < 0) return await redis.StringGetAsync(keys);
        var values = new RedisValue[count];
        List<(List<int> Rows, Task<RedisValue[]> Reply)> rounds = [];
        foreach (List<int> rows in ByBucket(count, i => keyOf(i).Id))
        {
            var bucketKeys = new RedisKey[rows.Count];
            for (int i = 0; i < rows.Count; i++) bucketKeys[i] = keys[rows[i]];
            rounds.Add((rows, redis.StringGetAsync(bucketKeys)));
        }
        foreach ((List<int> rows, Task<RedisValue[]> reply) in rounds)
        {
            RedisValue[] bucketValues = await reply;
            for (int i = 0; i < rows.Count && i < bucketValues.Length; i++) values[rows[i]] = bucketValues[i];
        }
        return values;
    }

    // Called under the gate: hands the queued reads to a round and starts an empty queue.
    private List<PendingRead> TakeQueued()
    {
        List<PendingRead> batch = _queued;
        _queued = [];
        return batch;
    }

    /// <summary>
    /// One caller's read waiting for its round. Its continuation runs on the thread that completes the round (no
    /// thread-pool hop per read): the config fetch's remaining work is a few headers and a socket write.
    /// </summary>
    private sealed class PendingRead(UsageKey key)
    {
        public UsageKey Key { get; } = key;
        public TaskCompletionSource<long> Done { get; } = new();
    }

    // Ingest only ever INCRBYs these keys; anything else (a hand-edited key) reads as nothing counted, not as a 500.
    private static long Parse(RedisValue value) => value.TryParse(out long used) ? used : 0;

    private Dictionary<int, List<int>>.ValueCollection ByBucket(IReadOnlyList<UsageKey> keys) => ByBucket(keys.Count, i => keys[i].Id);

    private Dictionary<int, List<int>>.ValueCollection ByBucket(int count, Func<int, Guid> idOf)
    {
        var buckets = new Dictionary<int, List<int>>();
        for (int i = 0; i < count; i++)
        {
            int bucket = Buckets.Of(idOf(i), bucketCount);
            if (!buckets.TryGetValue(bucket, out List<int>? rows)) buckets[bucket] = rows = [];
            rows.Add(i);
        }
        return buckets.Values;
    }
}
