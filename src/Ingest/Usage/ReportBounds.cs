using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// What one report may claim (IngestOptions): at most <c>MaxReportBitsPerSecond</c> × interval_seconds bytes
/// (up + down), and an interval_start no older than <c>ReportWindowBack</c> and no later than <c>ReportWindowAhead</c>
/// around the receive time. <see cref="None"/> accepts everything: replays re-read the verdicts that were spooled.
/// </summary>
internal readonly struct ReportBounds
{
    private readonly ulong _maxBytesPerSecond;
    private readonly long _earliest;
    private readonly long _latest;
    private readonly bool _enabled;

    public ReportBounds(IngestOptions options, long nowMs)
    {
        // Bits to bytes, rounded down: 100 Gbit/s is 12.5 GB/s, so the ceiling at the longest interval (86 400 s) is
        // about 2^50 and the product cannot overflow a ulong.
        _maxBytesPerSecond = (ulong)(options.MaxReportBitsPerSecond / 8);
        long nowSeconds = nowMs / 1000;
        _earliest = nowSeconds - (long)options.ReportWindowBack.TotalSeconds;
        _latest = nowSeconds + (long)options.ReportWindowAhead.TotalSeconds;
        _enabled = true;
    }

    public static ReportBounds None => default;

    public bool Admits(in TrafficReport report)
    {
        if (!_enabled) return true;
        // An interval of 0 s is read as 1 s: an exporter that rounds down a sub-second interval is not lying.
        ulong ceiling = _maxBytesPerSecond * Math.Max(report.IntervalSeconds, 1u);
        // The codec caps each counter at 2^50, so the sum cannot overflow.
        return report.BytesUp + report.BytesDown <= ceiling
            && report.IntervalStart >= _earliest
            && report.IntervalStart <= _latest;
    }
}
