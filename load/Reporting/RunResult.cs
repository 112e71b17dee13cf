using System.Diagnostics;
using Vpn.Perf.Load.Engine;

namespace Vpn.Perf.Load.Reporting;

/// <summary>The figures of one target over the measurement window (warm-up and drain excluded).</summary>
internal sealed record RunResult
{
    public required string Label { get; init; }
    public required double WindowSeconds { get; init; }
    public required CounterSnapshot Window { get; init; }

    /// <summary>Totals over the whole run, drain included: what the servers were sent.</summary>
    public required CounterSnapshot Total { get; init; }

    public required LatencySummary Latency { get; init; }
    public required double ServerRequests { get; init; }
    public required double ServerReports { get; init; }
    public required double ServerClickHouseRows { get; init; }
    public required double RssEndBytes { get; init; }
    public required double RssPeakBytes { get; init; }
    public required double BacklogEndBytes { get; init; }
    public required double BacklogPeakBytes { get; init; }

    /// <summary>CPU per process over the window, in % of one core (the machine has two: 200 % is all of it).</summary>
    public required IReadOnlyDictionary<string, double> CpuPercent { get; init; }

    /// <summary>Machine-wide busy share over the window, % of all cores.</summary>
    public required double MachineBusyPercent { get; init; }

    /// <summary>Per-second rates of the plan's probe counters over the window.</summary>
    public required IReadOnlyDictionary<string, double> ProbeRates { get; init; }

    public double RequestsPerSecond => Window.Accepted / WindowSeconds;
    public double ReportsPerSecond => Window.Reports / WindowSeconds;
    public double WireBytesPerSecond => Window.WireBytes / WindowSeconds;
    public double RawBytesPerSecond => Window.RawBytes / WindowSeconds;

    internal static RunResult From(LoadPlan plan, EdgeSample begin, EdgeSample end, CounterSnapshot total, LatencyHistogram latency, Peaks peaks)
    {
        double seconds = (double)(end.Timestamp - begin.Timestamp) / Stopwatch.Frequency;
        var cpu = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach ((string name, double after) in end.CpuSeconds)
        {
            cpu[name] = 100 * (after - begin.CpuSeconds.GetValueOrDefault(name)) / seconds;
        }
        double listed = 0;
        foreach (double v in cpu.Values) listed += v;
        long busy = end.MachineBusyJiffies - begin.MachineBusyJiffies, all = end.MachineTotalJiffies - begin.MachineTotalJiffies;
        return new RunResult
        {
            Label = plan.Label,
            WindowSeconds = seconds,
            Window = end.Counters.Minus(begin.Counters),
            Total = total,
            Latency = LatencySummary.From(latency),
            ServerRequests = end.Server.RequestsTotal - begin.Server.RequestsTotal,
            ServerReports = end.Server.Reports - begin.Server.Reports,
            ServerClickHouseRows = end.Server.ClickHouseRows - begin.Server.ClickHouseRows,
            RssEndBytes = end.Server.WorkingSetBytes,
            RssPeakBytes = Math.Max(peaks.WorkingSetBytes, end.Server.WorkingSetBytes),
            BacklogEndBytes = end.Server.SpoolBacklogBytes,
            BacklogPeakBytes = Math.Max(peaks.SpoolBacklogBytes, end.Server.SpoolBacklogBytes),
            CpuPercent = WithOthers(cpu, listed, all > 0 ? 100.0 * Environment.ProcessorCount * busy / all : 0),
            MachineBusyPercent = all > 0 ? 100.0 * busy / all : 0,
            ProbeRates = Rates(begin.Probe, end.Probe, seconds),
        };
    }

    /// <summary>Adds "other": the machine's busy time not spent in the listed processes (builds, tests, the kernel).</summary>
    private static SortedDictionary<string, double> WithOthers(SortedDictionary<string, double> cpu, double listed, double machineBusyOfOneCore)
    {
        cpu["other processes and kernel"] = Math.Max(0, machineBusyOfOneCore - listed);
        return cpu;
    }

    private static SortedDictionary<string, double> Rates(Dictionary<string, double> begin, Dictionary<string, double> end, double seconds)
    {
        var rates = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach ((string k, double v) in end)
        {
            double before = begin.GetValueOrDefault(k);
            // A counter that went down was reset during the window (CONFIG RESETSTAT by another client): no figure then.
            rates[k] = v >= before ? (v - before) / seconds : double.NaN;
        }
        return rates;
    }
}

/// <summary>Latency quantiles in milliseconds.</summary>
internal sealed record LatencySummary(long Count, double Mean, double P50, double P75, double P95, double P99, double P999, double Max)
{
    public static LatencySummary From(LatencyHistogram h) => new(
        h.Count, h.Mean / 1000, Ms(h, 0.50), Ms(h, 0.75), Ms(h, 0.95), Ms(h, 0.99), Ms(h, 0.999), h.Max / 1000.0);

    private static double Ms(LatencyHistogram h, double q) => h.ValueAtQuantile(q) / 1000.0;
}
