using System.Buffers;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Wire;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.Spool;

/// <summary>
/// Re-applies to Redis the batches the spool recovered at open, as its consumer reads them. A process can die between a
/// batch's fsync and its Redis call; the node got no answer and retries, but it may retry at another instance, or not
/// before the spool's rows reach ClickHouse, so the counters would lack what ClickHouse holds. The usage script ignores a
/// (node, seq) it has applied, so re-applying a batch that was counted costs a call and changes nothing.
/// </summary>
/// <remarks>
/// Which batches: those before <see cref="DurableSpool.RecoveredEnd"/>, not those received before this process started.
/// A clock stepped back across a restart would make a recovered batch look newer than the start and skip it.
/// </remarks>
internal sealed partial class RecoveryReplay(
    DurableSpool spool,
    BatchDecider decider,
    UsageApplier usage,
    IngestOptions options,
    TimeProvider time,
    ILogger<RecoveryReplay> logger)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    public bool Covers(in SpoolRecord record) => record.Position < spool.RecoveredEnd;

    /// <summary>Applies the batch as it was accepted, retrying until Redis takes it; only cancellation ends it sooner.</summary>
    public async Task ReapplyAsync(SpoolRecord record, CancellationToken ct)
    {
        using var batch = new BatchContext();
        // No bounds and no scope decided again: the verdicts made when the batch was accepted are read back.
        var handler = new CollectingHandler(batch, options.BucketCount, ReportBounds.None);
        try
        {
            TrafficBatchParser.Parse(new ReadOnlySequence<byte>(record.Payload), TrafficBatchLimits.Default, ref handler);
        }
        catch (WireFormatException)
        {
            return; // The sink's encoder meets it too, and logs it.
        }
        batch.ReadVerdicts(record.Verdicts.Span);
        TimeSpan backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await decider.DecideAsync(batch, record.NodeId, record.ReceivedAtMs, decideScope: false, ct);
                await usage.ApplyAsync(batch, record.NodeId, record.ReceivedAtMs, ct);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReapplyFailed(logger, record.NodeId, record.Seq, ex.Message);
                await Task.Delay(backoff, time, ct);
                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-applying spooled batch {Seq} of node {Node} to Redis failed: {Error}; retrying")]
    private static partial void LogReapplyFailed(ILogger logger, Guid node, ulong seq, string error);
}
