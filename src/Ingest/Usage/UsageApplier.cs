using System.Buffers;
using System.Threading.Channels;
using StackExchange.Redis;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>Outcome of applying one batch to the usage counters.</summary>
internal readonly record struct UsageOutcome(bool Duplicate);

/// <summary>
/// Applies batches to the Redis usage counters. Requests hand their batch to one loop that gathers every
/// batch waiting at that moment into a round and sends one script call per key bucket for the whole round
/// (pipelined, each atomic on one slot). The fixed cost of a script call is then shared by all the batches
/// of the round instead of being paid for every few reports, which is what makes the Redis stage scale:
/// a lone batch still goes out at once, and a busy server gets larger rounds. Within a call, the reports that
/// count for the same usage key (a heavy user seen by many nodes, or on several inbounds of one node) are summed
/// first, so Redis does one increment per distinct key of the round rather than one per report.
/// </summary>
/// <remarks>
/// A round fails per bucket: the batches with reports in a failed bucket get the exception (so their
/// request answers 503 and the node retries), while the buckets that succeeded stay applied; the retry
/// finds them in <c>{bN}:seq:&lt;node&gt;</c> and applies only what is missing. Limits come from the state cache
/// (through <see cref="BatchDecider"/>) and are compared inside the script with the new totals, so a crossing is
/// seen once, by the call whose sum crosses. Each bucket's call is a <see cref="UsageCall"/>.
/// </remarks>
internal sealed class UsageApplier : IAsyncDisposable
{
    // Bounds one round: ARGV per bucket call stays in the low thousands and a round's buffers stay small.
    private const int MaxReportsPerRound = 32_768;
    private const int MaxBatchesPerRound = 256;
    // Two rounds in flight: the next round is gathered and encoded while Redis works on the previous one.
    private const int RoundsInFlight = 2;

    private readonly IDatabase _redis;
    private readonly int _bucketCount;
    private readonly UsageKeyNames _names;
    // Which key each (subscription, period) got in the call being built; only the loop's thread uses it.
    private readonly Dictionary<UsageCall.UsageKey, int> _keyIndex = [];
    private readonly Channel<QueuedBatch> _queue = Channel.CreateUnbounded<QueuedBatch>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _slots = new(RoundsInFlight, RoundsInFlight);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public UsageApplier(IDatabase redis, IngestOptions options)
    {
        _redis = redis;
        _bucketCount = options.BucketCount;
        _names = new UsageKeyNames(_bucketCount);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Applies the batch's accepted reports (decided by <see cref="BatchDecider"/>) and adds to its <see cref="BatchContext.Cutoff"/>
    /// (each once) the subscriptions now over their limit. A report whose usage counter would pass int64 is rejected
    /// (<see cref="ReportVerdict.Overflow"/>) and the rest applied without it. Throws StackExchange.Redis's exceptions
    /// when Redis fails (<see cref="RedisFailure"/>). Once the batch is queued it is applied even if <paramref name="ct"/> fires, so a counted
    /// batch is never left half done by a client that hung up.
    /// </summary>
    public async ValueTask<UsageOutcome> ApplyAsync(BatchContext batch, Guid nodeId, long nowMs, CancellationToken ct)
    {
        if (batch.ReportCount == batch.RejectedReports)
        {
            return new UsageOutcome(false);
        }
        var queued = new QueuedBatch(batch, nodeId, nowMs);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(queued), this);
        return await queued.Done.Task;
    }

    private async Task RunAsync()
    {
        ChannelReader<QueuedBatch> reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token))
            {
                await _slots.WaitAsync(_stopping.Token);
                var round = new List<QueuedBatch>();
                int reports = 0;
                while (round.Count < MaxBatchesPerRound && reports < MaxReportsPerRound && reader.TryRead(out QueuedBatch? p))
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
        while (reader.TryRead(out QueuedBatch? left))
        {
            left.Done.TrySetException(new ObjectDisposedException(nameof(UsageApplier)));
        }
    }

    private async Task RunRoundAsync(List<QueuedBatch> round, int reportCount)
    {
        try
        {
            await ApplyRoundAsync(round, reportCount);
        }
        catch (Exception ex)
        {
            // Not a Redis failure (those are per bucket, in UsageCall) but a bug: fail the round rather than hang it.
            foreach (QueuedBatch p in round) p.Error ??= ex;
        }
        finally
        {
            foreach (QueuedBatch p in round)
            {
                if (p.Error is { } error) p.Done.TrySetException(error);
                else p.Done.TrySetResult(new UsageOutcome(p.Duplicates == p.Portions));
            }
            // Last: DisposeAsync waits for every slot, so once it holds them all no round has a batch left to complete.
            _slots.Release();
        }
    }

    private async Task ApplyRoundAsync(List<QueuedBatch> round, int reportCount)
    {
        // Counting sort of (batch, report) by bucket, stable: within a bucket the entries stay grouped by batch,
        // and each group is one portion of that bucket's script call.
        int[] start = ArrayPool<int>.Shared.Rent(_bucketCount + 1);
        int[] next = ArrayPool<int>.Shared.Rent(_bucketCount);
        RoundEntry[] order = ArrayPool<RoundEntry>.Shared.Rent(reportCount);
        int[] keyOf = ArrayPool<int>.Shared.Rent(reportCount);
        var calls = new List<UsageCall>(Math.Min(_bucketCount, reportCount));
        try
        {
            Array.Clear(start, 0, _bucketCount + 1);
            foreach (QueuedBatch p in round)
            {
                PendingReport[] reports = p.Batch.Reports;
                for (int r = 0; r < p.Batch.ReportCount; r++)
                {
                    if (reports[r].Verdict == ReportVerdict.Accepted) start[reports[r].Bucket + 1]++;
                }
            }
            for (int b = 0; b < _bucketCount; b++) start[b + 1] += start[b];
            Array.Copy(start, next, _bucketCount);
            for (int i = 0; i < round.Count; i++)
            {
                PendingReport[] reports = round[i].Batch.Reports;
                for (int r = 0; r < round[i].Batch.ReportCount; r++)
                {
                    if (reports[r].Verdict == ReportVerdict.Accepted) order[next[reports[r].Bucket]++] = new RoundEntry(i, r);
                }
            }

            // Every first build runs here, on the loop's thread, before this method's first await: the shared
            // key index is never used by two builds at once.
            for (int b = 0; b < _bucketCount; b++)
            {
                if (start[b] == start[b + 1]) continue;
                calls.Add(UsageCall.Send(_redis, _names, new RoundSlice(b, round, order, keyOf, start[b], start[b + 1]), _keyIndex));
            }
            foreach (UsageCall call in calls)
            {
                await call.CompleteAsync();
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(start);
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<RoundEntry>.Shared.Return(order);
            ArrayPool<int>.Shared.Return(keyOf);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _loop;
        // Rounds already sent run to the end (each Redis call has its timeout) and complete their batches.
        for (int i = 0; i < RoundsInFlight; i++) await _slots.WaitAsync();
        _stopping.Dispose();
        _slots.Dispose();
    }
}
