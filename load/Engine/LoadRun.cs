using System.Diagnostics;
using System.Globalization;
using Vpn.Perf.Load.Reporting;

namespace Vpn.Perf.Load.Engine;

/// <summary>How to drive one target: the model and the timeline.</summary>
/// <remarks>
/// <c>Probe</c> reads extra counters (e.g. Redis command statistics) at both window edges; the report shows their deltas.
/// <c>MetricsUrl</c> is null for a server without <c>/metrics</c> (the Api). <c>Statuses</c> puts the answer counts by
/// status in the progress line instead of Ingest's reports and spool backlog.
/// </remarks>
internal sealed record LoadPlan(string Label, double? Rate, int Concurrency, TimeSpan Warmup, TimeSpan Duration, Uri? MetricsUrl,
    IReadOnlyDictionary<string, IReadOnlyList<int>> Processes, Func<Task<Dictionary<string, double>>>? Probe, bool Statuses = false);

/// <summary>
/// Runs one target through warm-up, measurement and drain with the chosen model, prints a progress line once a
/// second, and takes everything a result needs at the two window edges: client counters, server <c>/metrics</c>,
/// and the CPU time of each process of interest. Between the edges the only extra traffic is one <c>/metrics</c>
/// scrape a second (for peak RSS and spool backlog).
/// </summary>
internal sealed class LoadRun(ILaneIssuer issuer, RunCounters counters, LatencyRecorder latency, HttpClient control)
{
    /// <summary>Runs the plan; <paramref name="start"/> (a <see cref="Stopwatch"/> timestamp) lets runs driven side by side share one window.</summary>
    public async Task<RunResult> RunAsync(LoadPlan plan, long? start = null)
    {
        RunWindow window = RunWindow.From(start ?? Stopwatch.GetTimestamp(), plan.Warmup, plan.Duration);
        using var hardStop = new CancellationTokenSource(RunWindow.Until(window.HardStop));
        Task load = plan.Rate is { } rate
            ? OpenModel.RunAsync(issuer, rate, window, counters, hardStop.Token)
            : ClosedModel.RunAsync(issuer, plan.Concurrency, window, hardStop.Token);

        var peaks = new Peaks();
        await ProgressUntilAsync(plan, window, window.MeasureStart, "warmup", peaks, load);
        EdgeSample begin = await SampleAsync(plan);
        latency.Measuring = true;
        peaks.Reset();
        await ProgressUntilAsync(plan, window, window.End, "measure", peaks, load);
        latency.Measuring = false;
        EdgeSample end = await SampleAsync(plan);

        // Drain: in-flight batches finish (bounded by their retries, then by the hard stop).
        long drainStarted = Stopwatch.GetTimestamp();
        await load;
        TimeSpan drain = Stopwatch.GetElapsedTime(drainStarted);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{plan.Label}] load stopped; in-flight batches drained in {drain.TotalSeconds:0.0} s"));
        return RunResult.From(plan, begin, end, counters.Snapshot(), latency.Window, peaks);
    }

    private async Task<EdgeSample> SampleAsync(LoadPlan plan)
    {
        long at = Stopwatch.GetTimestamp();
        CounterSnapshot snapshot = counters.Snapshot();
        var cpu = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach ((string name, IReadOnlyList<int> pids) in plan.Processes)
        {
            double sum = 0;
            foreach (int pid in pids) sum += ProcessCpu.CpuSeconds(pid) ?? 0;
            cpu[name] = sum;
        }
        (long busy, long total) = ProcessCpu.MachineJiffies();
        ServerMetrics metrics = await ScrapeAsync(plan);
        Dictionary<string, double> probe = plan.Probe is null ? [] : await plan.Probe();
        return new EdgeSample(at, snapshot, metrics, cpu, busy, total, probe);
    }

    private Task<ServerMetrics> ScrapeAsync(LoadPlan plan)
        => plan.MetricsUrl is null ? Task.FromResult(ServerMetrics.Empty) : ServerMetrics.ScrapeAsync(control, plan.MetricsUrl, CancellationToken.None);

    /// <summary>Prints a line each second until <paramref name="until"/> (or until the load ends early).</summary>
    private async Task ProgressUntilAsync(LoadPlan plan, RunWindow window, long until, string phase, Peaks peaks, Task load)
    {
        CounterSnapshot last = counters.Snapshot();
        long lastAt = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() < until && !load.IsCompleted)
        {
            TimeSpan wait = RunWindow.Until(until);
            await Task.Delay(wait < TimeSpan.FromSeconds(1) ? wait : TimeSpan.FromSeconds(1));
            long now = Stopwatch.GetTimestamp();
            CounterSnapshot current = counters.Snapshot();
            LatencyHistogram interval = latency.SwapInterval();
            ServerMetrics server = await ScrapeAsync(plan);
            peaks.Observe(server);
            double seconds = (double)(now - lastAt) / Stopwatch.Frequency;
            CounterSnapshot d = current.Minus(last);
            string head = string.Create(CultureInfo.InvariantCulture,
                $"[{plan.Label}] {Stopwatch.GetElapsedTime(window.Start).TotalSeconds,5:0}s {phase,-7} req/s {d.Accepted / seconds,7:0}  " +
                $"p50 {interval.ValueAtQuantile(0.5) / 1000.0,7:0.0} ms  p99 {interval.ValueAtQuantile(0.99) / 1000.0,7:0.0} ms  ");
            Console.WriteLine(plan.Statuses
                ? head + "status " + string.Join(' ', d.ByStatus.Select(static kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}:{kv.Value}"))) +
                  string.Create(CultureInfo.InvariantCulture, $"  fail {d.Failures}")
                : head + string.Create(CultureInfo.InvariantCulture,
                    $"reports/s {d.Reports / seconds,9:0}  fail {d.Failures} retry {d.Retries}  rss {server.WorkingSetBytes / 1048576.0,5:0} MiB  " +
                    $"backlog {server.SpoolBacklogBytes / 1048576.0,6:0.0} MiB"));
            last = current;
            lastAt = now;
        }
    }
}

/// <summary>Everything taken at one edge of the measurement window.</summary>
internal readonly record struct EdgeSample(long Timestamp, CounterSnapshot Counters, ServerMetrics Server,
    Dictionary<string, double> CpuSeconds, long MachineBusyJiffies, long MachineTotalJiffies, Dictionary<string, double> Probe);

/// <summary>Highest server gauges seen by the per-second scrapes inside the window.</summary>
internal sealed class Peaks
{
    public double WorkingSetBytes { get; private set; }

    public double SpoolBacklogBytes { get; private set; }

    public void Observe(ServerMetrics m)
    {
        WorkingSetBytes = Math.Max(WorkingSetBytes, m.WorkingSetBytes);
        SpoolBacklogBytes = Math.Max(SpoolBacklogBytes, m.SpoolBacklogBytes);
    }

    public void Reset()
    {
        WorkingSetBytes = 0;
        SpoolBacklogBytes = 0;
    }
}
