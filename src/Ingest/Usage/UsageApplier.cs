using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Threading.Channels;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>Outcome of applying one batch to the usage counters.</summary>
internal readonly record struct UsageOutcome(bool Duplicate);

/// <summary>
/// Applies batches to the Redis usage counters. Requests hand their batch to one loop that gathers every
/// batch waiting at that moment into a round and sends one script call per key bucket for the whole round
/// (pipelined, each atomic on one slot). The fixed cost of a script call is then shared by all the batches
/// of the round instead of being paid for every few reports, which is what makes the Redis stage scale:
/// a lone batch still goes out at once, and a busy server gets larger rounds.
/// </summary>
/// <remarks>
/// A round fails per bucket: the batches with reports in a failed bucket get the exception (so their
/// request answers 503 and the node retries), while the buckets that succeeded stay applied; the retry
/// finds them in <c>{bN}:seq:&lt;node&gt;</c> and applies only what is missing. Limits come from the state cache and
/// are compared inside the script with the new totals, so a crossing is seen once, by the report that
/// crosses.
/// </remarks>
internal sealed class UsageApplier : IAsyncDisposable
{
    // Bounds one round: ARGV per bucket call stays in the low thousands and a round's buffers stay small.
    private const int MaxReportsPerRound = 32_768;
    private const int MaxBatchesPerRound = 256;
    // Two rounds in flight: the next round is gathered and encoded while Redis works on the previous one.
    private const int RoundsInFlight = 2;

    private readonly RedisClient _redis;
    private readonly RedisScript _script = new(UsageScript.Source);
    private readonly SubscriptionStateCache _states;
    private readonly int _bucketCount;
    private readonly byte[][] _usagePrefixes;
    private readonly byte[][] _seqPrefixes;
    private readonly byte[][] _eventKeys;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _slots = new(RoundsInFlight, RoundsInFlight);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public UsageApplier(RedisClient redis, SubscriptionStateCache states, IngestOptions options)
    {
        _redis = redis;
        _states = states;
        _bucketCount = options.BucketCount;
        // Key names per bucket, encoded once: the hot path copies bytes, it never formats strings.
        _usagePrefixes = new byte[_bucketCount][];
        _seqPrefixes = new byte[_bucketCount][];
        _eventKeys = new byte[_bucketCount][];
        for (int b = 0; b < _bucketCount; b++)
        {
            _usagePrefixes[b] = Encoding.UTF8.GetBytes(RedisKeys.UsagePrefix(b));
            _seqPrefixes[b] = Encoding.UTF8.GetBytes(RedisKeys.SeqPrefix(b));
            _eventKeys[b] = Encoding.UTF8.GetBytes(RedisKeys.Events(b));
        }
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Applies the batch and adds to <paramref name="cutoff"/> (each once) the subscriptions to cut off: over
    /// their limit, expired or suspended. Throws the Redis client's exceptions when Redis fails. Once the batch
    /// is queued it is applied even if <paramref name="ct"/> fires, so a counted batch is never left half done
    /// by a client that hung up.
    /// </summary>
    public async ValueTask<UsageOutcome> ApplyAsync(BatchContext batch, Guid nodeId, long nowMs, List<Guid> cutoff, CancellationToken ct)
    {
        if (batch.ReportCount == 0)
        {
            return new UsageOutcome(false);
        }
        await FillStatesAsync(batch, nowMs, cutoff, ct);
        var pending = new Pending(batch, nodeId, nowMs, cutoff);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);
        return await pending.Done.Task;
    }

    private async Task RunAsync()
    {
        ChannelReader<Pending> reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token))
            {
                await _slots.WaitAsync(_stopping.Token);
                var round = new List<Pending>();
                int reports = 0;
                while (round.Count < MaxBatchesPerRound && reports < MaxReportsPerRound && reader.TryRead(out Pending? p))
                {
                    round.Add(p);
                    reports += p.Batch.ReportCount;
                }
                _ = RunRoundAsync(round, reports);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        while (reader.TryRead(out Pending? left))
        {
            left.Done.TrySetException(new ObjectDisposedException(nameof(UsageApplier)));
        }
    }

    private async Task RunRoundAsync(List<Pending> round, int reportCount)
    {
        try
        {
            await ApplyRoundAsync(round, reportCount);
        }
        catch (Exception ex)
        {
            // Not a Redis failure (those are per bucket, below) but a bug: fail the round rather than hang it.
            foreach (Pending p in round) p.Error ??= ex;
        }
        finally
        {
            _slots.Release();
            foreach (Pending p in round)
            {
                if (p.Error is { } error) p.Done.TrySetException(error);
                else p.Done.TrySetResult(new UsageOutcome(p.Duplicates == p.Portions));
            }
        }
    }

    private async Task ApplyRoundAsync(List<Pending> round, int reportCount)
    {
        // Counting sort of (batch, report) by bucket, stable: within a bucket the entries stay grouped by batch,
        // and each group is one portion of that bucket's script call.
        int[] start = ArrayPool<int>.Shared.Rent(_bucketCount + 1);
        int[] next = ArrayPool<int>.Shared.Rent(_bucketCount);
        Entry[] order = ArrayPool<Entry>.Shared.Rent(reportCount);
        var calls = new List<(int Bucket, Task<RespValue> Reply)>(Math.Min(_bucketCount, reportCount));
        try
        {
            Array.Clear(start, 0, _bucketCount + 1);
            foreach (Pending p in round)
            {
                PendingReport[] reports = p.Batch.Reports;
                for (int r = 0; r < p.Batch.ReportCount; r++) start[reports[r].Bucket + 1]++;
            }
            for (int b = 0; b < _bucketCount; b++) start[b + 1] += start[b];
            Array.Copy(start, next, _bucketCount);
            for (int i = 0; i < round.Count; i++)
            {
                PendingReport[] reports = round[i].Batch.Reports;
                for (int r = 0; r < round[i].Batch.ReportCount; r++) order[next[reports[r].Bucket]++] = new Entry(i, r);
            }

            for (int b = 0; b < _bucketCount; b++)
            {
                if (start[b] == start[b + 1]) continue;
                RespCommand command = BuildCall(b, round, order, start[b], start[b + 1]);
                calls.Add((b, _redis.EvalShaAsync(_script, command, CancellationToken.None).AsTask()));
            }

            foreach ((int b, Task<RespValue> pending) in calls)
            {
                try
                {
                    RespValue reply = await pending;
                    ReadReply(reply, round, order, start[b], start[b + 1]);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
                {
                    for (int e = start[b]; e < start[b + 1]; e++) round[order[e].Batch].Error ??= ex;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(start);
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<Entry>.Shared.Return(order);
        }
    }

    private RespCommand BuildCall(int bucket, List<Pending> round, Entry[] order, int from, int to)
    {
        int portions = 0;
        long now = 0;
        for (int e = from; e < to; e++)
        {
            if (e == from || order[e].Batch != order[e - 1].Batch) portions++;
            now = Math.Max(now, round[order[e].Batch].NowMs);
        }
        // Size: header and the events key ~60 bytes; per portion a dedup key and seq and count (~90 bytes with
        // framing); per report a usage key (prefix + 32 + 1 + 13 bytes), a limit and a delta of up to 20 digits.
        RespCommand command = _script.CreateCommand(keyCount: 1 + portions + (to - from), sizeHint: 128 + (portions * 90) + ((to - from) * 130));
        command.Arg(_eventKeys[bucket]);

        // A key is a per-bucket prefix ("{b<int>}:u:" or "{b<int>}:seq:", under 32 bytes) and a hex id, then for
        // usage ':' and the period start.
        Span<byte> key = stackalloc byte[32 + RedisKeys.IdChars + 1 + 20];
        byte[] seqPrefix = _seqPrefixes[bucket];
        seqPrefix.CopyTo(key);
        for (int e = from; e < to; e++)
        {
            if (e != from && order[e].Batch == order[e - 1].Batch) continue;
            RedisKeys.WriteId(round[order[e].Batch].Node, key[seqPrefix.Length..]);
            command.Arg(key[..(seqPrefix.Length + RedisKeys.IdChars)]);
        }

        byte[] usagePrefix = _usagePrefixes[bucket];
        usagePrefix.CopyTo(key);
        Span<byte> id = key[usagePrefix.Length..];
        for (int e = from; e < to; e++)
        {
            ref PendingReport r = ref round[order[e].Batch].Batch.Reports[order[e].Report];
            RedisKeys.WriteId(r.SubscriptionId, id);
            id[RedisKeys.IdChars] = (byte)':';
            Utf8Formatter.TryFormat(r.PeriodStart, id[(RedisKeys.IdChars + 1)..], out int digits);
            command.Arg(key[..(usagePrefix.Length + RedisKeys.IdChars + 1 + digits)]);
        }

        command.Arg(portions).Arg(now);
        int e0 = from;
        while (e0 < to)
        {
            int batchIndex = order[e0].Batch;
            int e1 = e0;
            while (e1 < to && order[e1].Batch == batchIndex) e1++;
            Pending p = round[batchIndex];
            p.Portions++;
            command.Arg(p.Batch.Header.Seq).Arg(e1 - e0);
            PendingReport[] reports = p.Batch.Reports;
            for (int e = e0; e < e1; e++)
            {
                ref PendingReport r = ref reports[order[e].Report];
                command.Arg(r.Limit).Arg(r.Delta);
            }
            e0 = e1;
        }
        return command;
    }

    /// <summary>Walks the bucket's portions in the order they were sent and hands each its result.</summary>
    private static void ReadReply(RespValue reply, List<Pending> round, Entry[] order, int from, int to)
    {
        int portion = 0;
        int e0 = from;
        while (e0 < to)
        {
            int batchIndex = order[e0].Batch;
            int e1 = e0;
            while (e1 < to && order[e1].Batch == batchIndex) e1++;
            Pending p = round[batchIndex];
            RespValue result = reply[portion++];
            if (result.Type == RespType.Integer)
            {
                p.Duplicates++; // -1: this bucket already applied this (node, seq)
            }
            else
            {
                for (int k = 0; k < result.Length; k++)
                {
                    AddOnce(p.Cutoff, p.Batch.Reports[order[e0 + (int)result[k].AsInt64()].Report].SubscriptionId);
                }
            }
            e0 = e1;
        }
    }

    /// <summary>Completes each report from the state cache, loading misses from Redis in one pipelined round.</summary>
    private async ValueTask FillStatesAsync(BatchContext batch, long nowMs, List<Guid> cutoff, CancellationToken ct)
    {
        PendingReport[] reports = batch.Reports;
        int[]? missing = null;
        int missingCount = 0;
        for (int i = 0; i < batch.ReportCount; i++)
        {
            if (_states.TryGet(reports[i].SubscriptionId, nowMs, out SubscriptionState state))
            {
                Fill(ref reports[i], state, nowMs, cutoff);
            }
            else
            {
                missing ??= ArrayPool<int>.Shared.Rent(batch.ReportCount);
                missing[missingCount++] = i;
            }
        }
        if (missing is null)
        {
            return;
        }
        try
        {
            // The states come back from the load itself, not from a second cache lookup that an invalidation
            // could empty in between (which would treat a limited subscription as unlimited for this batch).
            var ids = new Guid[missingCount];
            for (int m = 0; m < missingCount; m++) ids[m] = reports[missing[m]].SubscriptionId;
            SubscriptionState[] loaded = await _states.LoadAsync(ids, nowMs, ct);
            for (int m = 0; m < missingCount; m++) Fill(ref reports[missing[m]], loaded[m], nowMs, cutoff);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(missing);
        }
    }

    private static void Fill(ref PendingReport report, SubscriptionState state, long nowMs, List<Guid> cutoff)
    {
        report.PeriodStart = state.PeriodStart(nowMs);
        report.Limit = state.MaxTraffic ?? -1;
        if (state.IsBlocked(nowMs))
        {
            AddOnce(cutoff, report.SubscriptionId);
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

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
        _slots.Dispose();
    }

    private readonly record struct Entry(int Batch, int Report);

    /// <summary>One request's batch waiting for, then inside, a round. Only the round's loop writes to it.</summary>
    private sealed class Pending(BatchContext batch, Guid node, long nowMs, List<Guid> cutoff)
    {
        public BatchContext Batch { get; } = batch;
        public Guid Node { get; } = node;
        public long NowMs { get; } = nowMs;
        public List<Guid> Cutoff { get; } = cutoff;
        public int Portions { get; set; }
        public int Duplicates { get; set; }
        public Exception? Error { get; set; }
        public TaskCompletionSource<UsageOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
