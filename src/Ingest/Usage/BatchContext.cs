using System.Buffers;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>One report as the usage stage needs it; filled by the parser, completed from the state cache.</summary>
internal struct PendingReport
{
    public Guid SubscriptionId;
    public long Delta;
    public int Bucket;
    public long PeriodStart;
    public long Limit;
}

/// <summary>
/// Per-request scratch space: the batch's reports and the buffers the usage stage groups them in. Arrays
/// come from <see cref="ArrayPool{T}"/> and go back on <see cref="Dispose"/>, so a request in steady state
/// allocates nothing per report.
/// </summary>
internal sealed class BatchContext : IDisposable
{
    public PendingReport[] Reports = [];
    public int ReportCount;
    public int AccessCount;
    public BatchHeader Header;

    public void EnsureCapacity(int reports)
    {
        if (Reports.Length < reports)
        {
            if (Reports.Length > 0) ArrayPool<PendingReport>.Shared.Return(Reports);
            Reports = ArrayPool<PendingReport>.Shared.Rent(Math.Max(reports, 16));
        }
    }

    public void Dispose()
    {
        if (Reports.Length > 0)
        {
            ArrayPool<PendingReport>.Shared.Return(Reports);
            Reports = [];
        }
        ReportCount = 0;
        AccessCount = 0;
    }
}

/// <summary>The parser callback that fills a <see cref="BatchContext"/> (a struct handler: no virtual calls).</summary>
internal readonly struct CollectingHandler(BatchContext context, int bucketCount) : ITrafficBatchHandler
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
        // The codec caps each counter at Limits.MaxBytesPerReport, so the sum fits a long.
        p.Delta = (long)(report.BytesUp + report.BytesDown);
        p.Bucket = Shared.Contracts.Buckets.Of(report.SubscriptionId, bucketCount);
    }

    public void OnAccessCount(int count)
    {
    }

    // Times outside ClickHouse's DateTime are refused by the codec (Limits.MaxUnixSeconds), before the spool.
    public void OnAccess(in AccessEvent access, ReadOnlySpan<byte> note, bool hasNote) => context.AccessCount++;
}
