namespace Vpn.Perf.Shared.Wire.TrafficReport;

/// <summary>The batch fields before the reports, plus the number of reports that follow.</summary>
/// <param name="Version">Format version; always <see cref="TrafficBatchLayout.Version"/> once read.</param>
/// <param name="Seq">Per-node sequence number, strictly increasing; a retry repeats it.</param>
/// <param name="SentAtMs">When the node sent the batch, Unix milliseconds (UTC).</param>
/// <param name="ReportCount">Reports that follow, at most the parser's <see cref="TrafficBatchLimits.MaxReportsPerBatch"/>.</param>
public readonly record struct BatchHeader(uint Version, ulong Seq, long SentAtMs, int ReportCount);
