using System.Buffers;
using System.Text;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>Outcome of applying one batch to the usage counters.</summary>
internal readonly record struct UsageOutcome(bool Duplicate, int CutoffCount);

/// <summary>
/// Applies a batch's reports to the Redis usage counters: one script call per key bucket the batch touches,
/// all pipelined, each atomic on one slot. Limits come from the state cache and are compared inside the
/// script against the new totals, so a crossing is seen exactly once, by the report that crosses.
/// </summary>
internal sealed class UsageApplier
{
    private readonly RedisClient _redis;
    private readonly RedisScript _script;
    private readonly SubscriptionStateCache _states;
    private readonly int _bucketCount;
    // Key names per bucket, encoded once: the hot path copies bytes, it never formats strings.
    private readonly byte[][] _usedKeys;
    private readonly byte[][] _seqKeys;
    private readonly byte[][] _eventKeys;

    public UsageApplier(RedisClient redis, SubscriptionStateCache states, IngestOptions options)
    {
        _redis = redis;
        _states = states;
        _bucketCount = options.BucketCount;
        _script = new RedisScript(UsageScript.Source);
        _usedKeys = new byte[_bucketCount][];
        _seqKeys = new byte[_bucketCount][];
        _eventKeys = new byte[_bucketCount][];
        for (int b = 0; b < _bucketCount; b++)
        {
            _usedKeys[b] = Encoding.UTF8.GetBytes(RedisKeys.Used(b));
            _seqKeys[b] = Encoding.UTF8.GetBytes(RedisKeys.Seq(b));
            _eventKeys[b] = Encoding.UTF8.GetBytes(RedisKeys.Events(b));
        }
    }

    /// <summary>
    /// Applies the reports and writes the ids to cut off (over limit, expired or suspended) into
    /// <paramref name="cutoff"/>, each once. Throws the Redis client's exceptions when Redis fails.
    /// </summary>
    public async ValueTask<UsageOutcome> ApplyAsync(BatchContext batch, Guid nodeId, long nowMs, List<Guid> cutoff, CancellationToken ct)
    {
        int count = batch.ReportCount;
        if (count == 0)
        {
            return new UsageOutcome(false, 0);
        }
        await FillStatesAsync(batch, nowMs, cutoff, ct);

        // Counting sort of report indexes by bucket: order[start[b] .. start[b+1]) are bucket b's reports.
        int[] start = ArrayPool<int>.Shared.Rent(_bucketCount + 1);
        int[] order = ArrayPool<int>.Shared.Rent(count);
        var calls = ArrayPool<(int Bucket, Task<RespValue> Reply)>.Shared.Rent(Math.Min(count, _bucketCount));
        int callCount = 0;
        try
        {
            Array.Clear(start, 0, _bucketCount + 1);
            PendingReport[] reports = batch.Reports;
            for (int i = 0; i < count; i++) start[reports[i].Bucket + 1]++;
            for (int b = 0; b < _bucketCount; b++) start[b + 1] += start[b];
            Span<int> next = _bucketCount <= 256 ? stackalloc int[256] : new int[_bucketCount]; // write cursors per bucket
            start.AsSpan(0, _bucketCount).CopyTo(next);
            for (int i = 0; i < count; i++) order[next[reports[i].Bucket]++] = i;

            Span<byte> node = stackalloc byte[RedisKeys.IdChars];
            RedisKeys.WriteId(nodeId, node);
            for (int b = 0; b < _bucketCount; b++)
            {
                int from = start[b], to = start[b + 1];
                if (from == to) continue;
                calls[callCount++] = (b, _redis.EvalShaAsync(_script, BuildCall(b, node, batch.Header.Seq, nowMs, reports, order, from, to), ct).AsTask());
            }

            int duplicates = 0;
            for (int c = 0; c < callCount; c++)
            {
                (int b, Task<RespValue> pending) = calls[c];
                RespValue reply = await pending;
                if (reply.Type == RespType.Integer)
                {
                    duplicates++; // -1: this bucket already has this (node, seq)
                    continue;
                }
                int from = start[b];
                for (int k = 0; k < reply.Length; k++)
                {
                    AddOnce(cutoff, reports[order[from + (int)reply[k].AsInt64()]].SubscriptionId);
                }
            }
            return new UsageOutcome(duplicates == callCount, cutoff.Count);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(start);
            ArrayPool<int>.Shared.Return(order);
            ArrayPool<(int, Task<RespValue>)>.Shared.Return(calls, clearArray: true);
        }
    }

    private RespCommand BuildCall(int bucket, ReadOnlySpan<byte> node, ulong seq, long nowMs, PendingReport[] reports, int[] order, int from, int to)
    {
        // Size: ~110 bytes of keys and header, then per report 32 + up to 3 * 20 digits + 4 * 5 framing bytes.
        RespCommand cmd = _script.CreateCommand(keyCount: 3, sizeHint: 128 + ((to - from) * 112));
        cmd.Arg(_usedKeys[bucket]);
        cmd.Arg(_seqKeys[bucket]);
        cmd.Arg(_eventKeys[bucket]);
        cmd.Arg(node);
        cmd.Arg(seq);
        cmd.Arg(nowMs);
        Span<byte> sid = stackalloc byte[RedisKeys.IdChars];
        for (int j = from; j < to; j++)
        {
            ref PendingReport r = ref reports[order[j]];
            RedisKeys.WriteId(r.SubscriptionId, sid);
            cmd.Arg(sid);
            cmd.Arg(r.PeriodStart);
            cmd.Arg(r.Limit);
            cmd.Arg(r.Delta);
        }
        return cmd;
    }

    /// <summary>Completes each report from the state cache, loading misses from Redis in one pipelined round.</summary>
    private async ValueTask FillStatesAsync(BatchContext batch, long nowMs, List<Guid> cutoff, CancellationToken ct)
    {
        PendingReport[] reports = batch.Reports;
        Guid[]? missing = null;
        int missingCount = 0;
        for (int i = 0; i < batch.ReportCount; i++)
        {
            if (!_states.TryGet(reports[i].SubscriptionId, nowMs, out _))
            {
                missing ??= ArrayPool<Guid>.Shared.Rent(batch.ReportCount);
                missing[missingCount++] = reports[i].SubscriptionId;
            }
        }
        if (missing is not null)
        {
            try
            {
                await _states.LoadAsync(missing.AsMemory(0, missingCount), nowMs, ct);
            }
            finally
            {
                ArrayPool<Guid>.Shared.Return(missing);
            }
        }
        for (int i = 0; i < batch.ReportCount; i++)
        {
            ref PendingReport r = ref reports[i];
            _states.TryGet(r.SubscriptionId, nowMs, out SubscriptionState state);
            r.PeriodStart = state.PeriodStart(nowMs);
            r.Limit = state.MaxTraffic ?? -1;
            if (state.IsBlocked(nowMs))
            {
                AddOnce(cutoff, r.SubscriptionId);
            }
        }
    }

    private static void AddOnce(List<Guid> list, Guid id)
    {
        // Cutoff lists are short (a handful of ids): a linear scan beats hashing here.
        foreach (Guid g in list)
        {
            if (g == id) return;
        }
        list.Add(id);
    }
}
