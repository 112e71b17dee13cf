using System.Buffers;
using System.Runtime.CompilerServices;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>One report as the usage stage needs it; filled by the parser, completed from the state cache.</summary>
internal struct PendingReport
{
    public Guid SubscriptionId;
    public Guid InboundId;
    public long Delta;
    public int Bucket;
    public long PeriodStart;
    // The usage counter's name (UTF-8) when the state cache had it made for PeriodStart; otherwise null and the usage
    // call makes it.
    public byte[]? UsageKey;
    public long Limit;
    public ReportVerdict Verdict;
}

/// <summary>One access event as the scope check needs it.</summary>
internal struct PendingAccess
{
    public Guid SubscriptionId;
    public Guid InboundId;
    public ReportVerdict Verdict;
}

/// <summary>
/// Per-request scratch space: the batch's reports and access events, the verdict of each and the answer's cutoff list.
/// Arrays come from <see cref="ArrayPool{T}"/> and go back on <see cref="Dispose"/>; Ingest's requests take their
/// contexts from a pool that keeps them with their arrays (<see cref="BatchContextPolicy"/>), so a request in steady
/// state allocates nothing for its batch.
/// </summary>
internal sealed class BatchContext : IDisposable
{
    public PendingReport[] Reports = [];
    public PendingAccess[] Access = [];
    public int ReportCount;
    public int AccessCount;
    public BatchHeader Header;

    /// <summary>Reports and access events not accepted (<see cref="ReportVerdict"/> other than Accepted).</summary>
    public int RejectedReports;
    public int RejectedAccess;

    public int Rejected => RejectedReports + RejectedAccess;

    /// <summary>The scope verdicts made so far, for the batch's node (<see cref="BatchDecider"/>).</summary>
    public ScopeVerdicts ScopeVerdicts;

    /// <summary>Subscriptions of accepted reports that are over their limit or otherwise blocked: the answer's cutoff list.</summary>
    public List<Guid> Cutoff { get; } = [];

    public void EnsureCapacity(int reports)
    {
        if (Reports.Length < reports)
        {
            if (Reports.Length > 0) ArrayPool<PendingReport>.Shared.Return(Reports);
            Reports = ArrayPool<PendingReport>.Shared.Rent(Math.Max(reports, 16));
        }
    }

    public void EnsureAccessCapacity(int events)
    {
        if (Access.Length < events)
        {
            if (Access.Length > 0) ArrayPool<PendingAccess>.Shared.Return(Access);
            Access = ArrayPool<PendingAccess>.Shared.Rent(Math.Max(events, 16));
        }
    }

    public void Reject(ref PendingReport report, ReportVerdict verdict)
    {
        if (report.Verdict == ReportVerdict.Accepted) RejectedReports++;
        report.Verdict = verdict;
    }

    public void Reject(ref PendingAccess access, ReportVerdict verdict)
    {
        if (access.Verdict == ReportVerdict.Accepted) RejectedAccess++;
        access.Verdict = verdict;
    }

    /// <summary>Bytes of the verdict bitmap the spool keeps with this batch (<see cref="Spool.SpoolFormat"/>): 0 when all were accepted.</summary>
    public int VerdictBytes => Rejected == 0 ? 0 : (ReportCount + AccessCount + 7) / 8;

    /// <summary>Writes the bitmap: bit i (LSB first) set when item i is rejected, reports first, then access events.</summary>
    public void WriteVerdicts(Span<byte> destination)
    {
        destination[..VerdictBytes].Clear();
        for (int i = 0; i < ReportCount; i++)
        {
            if (Reports[i].Verdict != ReportVerdict.Accepted) destination[i >> 3] |= (byte)(1 << (i & 7));
        }
        for (int a = 0; a < AccessCount; a++)
        {
            int i = ReportCount + a;
            if (Access[a].Verdict != ReportVerdict.Accepted) destination[i >> 3] |= (byte)(1 << (i & 7));
        }
    }

    /// <summary>Applies a spooled bitmap (a replay): the verdicts made at acceptance, not made again.</summary>
    public void ReadVerdicts(ReadOnlySpan<byte> bitmap)
    {
        for (int i = 0; i < ReportCount; i++)
        {
            if (IsSet(bitmap, i)) Reject(ref Reports[i], ReportVerdict.OutOfScope);
        }
        for (int a = 0; a < AccessCount; a++)
        {
            if (IsSet(bitmap, ReportCount + a)) Reject(ref Access[a], ReportVerdict.OutOfScope);
        }
    }

    /// <summary>True when item <paramref name="index"/> is marked rejected; an empty bitmap rejects nothing.</summary>
    public static bool IsSet(ReadOnlySpan<byte> bitmap, int index)
        => (uint)(index >> 3) < (uint)bitmap.Length && (bitmap[index >> 3] & (1 << (index & 7))) != 0;

    /// <summary>
    /// Empties the context for another batch. Arrays of up to <paramref name="retainedArrayBytes"/> stay with it (not
    /// cleared: every item is written before it is read); larger ones go back to the pool.
    /// </summary>
    public void Reset(int retainedArrayBytes)
    {
        if (Reports.Length > 0 && (long)Reports.Length * Unsafe.SizeOf<PendingReport>() > retainedArrayBytes)
        {
            ArrayPool<PendingReport>.Shared.Return(Reports);
            Reports = [];
        }
        if (Access.Length > 0 && (long)Access.Length * Unsafe.SizeOf<PendingAccess>() > retainedArrayBytes)
        {
            ArrayPool<PendingAccess>.Shared.Return(Access);
            Access = [];
        }
        ReportCount = 0;
        AccessCount = 0;
        RejectedReports = 0;
        RejectedAccess = 0;
        Header = default;
        ScopeVerdicts = default;
        Cutoff.Clear();
    }

    public void Dispose() => Reset(retainedArrayBytes: 0);
}
