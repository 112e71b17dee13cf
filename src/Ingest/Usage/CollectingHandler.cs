using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The parser callback that fills a <see cref="BatchContext"/> (a struct handler: no virtual calls), rejecting the
/// reports outside <paramref name="bounds"/> as it goes.
/// </summary>
internal readonly struct CollectingHandler(BatchContext context, int bucketCount, ReportBounds bounds) : ITrafficBatchHandler
{
    public void OnHeader(in BatchHeader header)
    {
        context.Header = header;
        context.EnsureCapacity(header.ReportCount);
    }

    public void OnReport(in TrafficReport report)
    {
        ref PendingReport p = ref context.Reports[context.ReportCount++];
        p.SubscriptionId = report.SubscriptionId;
        p.InboundId = report.InboundId;
        // The codec caps each counter at Limits.MaxBytesPerReport, so the sum fits a long.
        p.Delta = (long)(report.BytesUp + report.BytesDown);
        p.Bucket = Shared.Contracts.Buckets.Of(report.SubscriptionId, bucketCount);
        p.Verdict = ReportVerdict.Accepted;
        if (!bounds.Admits(report)) context.Reject(ref p, ReportVerdict.OutOfBounds);
    }

    public void OnAccessCount(int count) => context.EnsureAccessCapacity(count);

    // Times outside ClickHouse's DateTime are refused by the codec (Limits.MaxUnixSeconds), before the spool.
    public void OnAccess(in AccessEvent access, ReadOnlySpan<byte> note, bool hasNote)
    {
        ref PendingAccess a = ref context.Access[context.AccessCount++];
        a.SubscriptionId = access.SubscriptionId;
        a.InboundId = access.InboundId;
        a.Verdict = ReportVerdict.Accepted;
    }
}
