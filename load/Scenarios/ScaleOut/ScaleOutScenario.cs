using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Load.Engine;
using Vpn.Perf.Load.Reporting;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Load.Scenarios.ScaleOut;

/// <summary>One thing done to the topology mid-run, with its time from the start of the measured window.</summary>
internal sealed record ScaleOutEvent(double AtSeconds, double TookSeconds, string What, bool Pass);

/// <summary>
/// <c>load -- scale-out</c>: starts the whole topology on loopback (<see cref="ScaleOutTopology"/>), drives verified load
/// with the nodes spread over both Ingest instances (a retry goes to the other one), and meanwhile, on three independent
/// timelines through the run: SIGKILLs Ingest A and starts it again on its spool; checks that the two Api
/// instances invalidate each other's caches (<see cref="ApiCrossCheck"/>); moves the Redis slot of the busiest bucket to
/// another master (<see cref="SlotMigration"/>). Then verifies every counter and row as <c>load -- ingest --verify</c>
/// does, writes the report, prints the verdict, and stops everything it started, also on failure or Ctrl+C.
/// </summary>
internal static class ScaleOutScenario
{
    // Shares of the whole run (warm-up and window). The kill comes early, so that the restarted instance is back and takes
    // load before the window ends even on a loaded 2-core machine, where it took up to 25 s to be ready (a .NET start and
    // its spool's recovery beside the other services, the Cluster and the load); the other two fall in the window.
    private const double KillAt = 0.1;
    private const double RestartAt = 0.15;
    private const double CrossCheckAt = 0.6;
    private const double MigrateAt = 0.75;
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(ScaleOutSettings s, string commandLine)
    {
        string root = IngestScenario.RepoRoot();
        string outDir = Path.GetFullPath(s.OutDirectory, root);
        Directory.CreateDirectory(outDir);
        using var interrupt = new CancellationTokenSource();
        void Interrupt(PosixSignalContext context)
        {
            context.Cancel = true; // the teardown below must run before the process ends
            interrupt.Cancel();
        }
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);

        await using var topology = new ScaleOutTopology(s, root, outDir);
        Task<int> run = RunCoreAsync(s, commandLine, topology, outDir, interrupt.Token);
        var interrupted = new TaskCompletionSource();
        using CancellationTokenRegistration onInterrupt = interrupt.Token.Register(interrupted.SetResult);
        try
        {
            if (await Task.WhenAny(run, interrupted.Task) != run)
            {
                Console.Error.WriteLine("scale-out: interrupted; stopping everything the run started");
                await topology.DisposeAsync();
                return 130;
            }
            return await run;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or FileNotFoundException or NpgsqlException or RedisException
            or HttpRequestException)
        {
            Console.Error.WriteLine($"scale-out failed: {ex.Message}");
            Console.Error.WriteLine($"(logs in {outDir}; everything started is being stopped)");
            return 1;
        }
    }

    private static async Task<int> RunCoreAsync(ScaleOutSettings s, string commandLine, ScaleOutTopology topology, string outDir, CancellationToken ct)
    {
        IngestSettings si = s.Load;
        Fleet fleet = Fleet.Build(si);
        Console.WriteLine(string.Create(C,
            $"fleet: {si.Nodes} nodes x {si.VariantsPerNode} bodies, mean body {fleet.MeanBodyBytes / 1024:0.0} KiB, {si.Subscriptions} fresh subscriptions; out {outDir}"));
        await topology.StartAsync(ct);
        ApiCrossCheck crossCheck = await ApiCrossCheck.SeedAsync(topology.Postgres, s.ApiUrl(0), s.ApiUrl(1));
        await crossCheck.PrepareAsync(ct);
        await using ConnectionMultiplexer redis = await LoadRedis.ConnectAsync(topology.Redis);
        await fleet.SeedAsync(redis.GetDatabase(), si.Limits, si.BucketCount);
        using var control = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        var processes = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal)
        {
            // Ingest A is killed and replaced mid-window: its CPU cannot be taken at both edges, so only B's is listed.
            ["Ingest B"] = topology.IngestPid(1) is { } b ? [b] : [],
            ["load"] = [Environment.ProcessId],
            ["redis"] = topology.RedisPids(),
            ["clickhouse shards"] = topology.ClickHousePids(),
        };
        using HttpClient http = LoadHttp.Create(si.Nodes, si.RequestTimeout);
        var counters = new RunCounters();
        var latency = new LatencyRecorder();
        Uri[] endpoints = [new(s.IngestUrl(0), "/v1/reports"), new(s.IngestUrl(1), "/v1/reports")];
        var sender = new ReportSender(fleet.Nodes, http, endpoints, si, counters, latency);
        // No /metrics in the plan: the window's server figures would be one instance's, and Ingest A's counters restart with it.
        var plan = new LoadPlan("scale-out", si.Rate, si.Concurrency, si.Warmup, si.Duration, MetricsUrl: null, processes, RedisProbe.For(redis));
        Console.WriteLine(string.Create(C, $"[scale-out] {si.Nodes} nodes over Ingest A {s.IngestUrl(0)} and B {s.IngestUrl(1)}, closed model, " +
            $"warm-up {si.Warmup.TotalSeconds} s, measure {si.Duration.TotalSeconds} s; Api A {s.ApiUrl(0)}, B {s.ApiUrl(1)}"));

        long start = Stopwatch.GetTimestamp();
        var window = RunWindow.From(start, si.Warmup, si.Duration);
        var events = new Timeline(window);
        Task<RunResult> load = new LoadRun(sender, counters, latency, control).RunAsync(plan, start);
        int busiest = Buckets.Of(fleet.Subscriptions[0], si.BucketCount);
        Task<IReadOnlyList<CrossCheckStep>> crossSteps = CrossCheckAsync(events, crossCheck, ct);
        Task<SlotMove?> slot = MigrateAsync(events, redis, busiest, ct);
        await KillAndRestartAsync(events, topology, ct);
        RunResult result = await load;
        IReadOnlyList<CrossCheckStep> steps = await crossSteps;
        SlotMove? move = await slot;

        VerifyResult? verify = null;
        if (s.Verify)
        {
            using var clickHouse = new ClickHouseClient(ClickHouseOptions.Parse(topology.ClickHouse));
            var verifier = new IngestVerifier(fleet, redis.GetDatabase(), clickHouse, control, [new(s.IngestUrl(0), "/metrics"), new(s.IngestUrl(1), "/metrics")],
                si.BucketCount);
            verify = await verifier.VerifyAsync(ct);
        }
        ServerMetrics restarted = await ServerMetrics.ScrapeAsync(control, new Uri(s.IngestUrl(0), "/metrics"), ct);
        await topology.DisposeAsync();

        string summary = Summary(result, events.Events, steps, move, restarted, verify);
        string md = ReportWriter.Markdown(si, commandLine, fleet.MeanBodyBytes, result, null, verify) + Section(s, topology, summary, events.Events, steps);
        await File.WriteAllTextAsync(Path.Combine(outDir, "results.md"), md, CancellationToken.None);
        await File.WriteAllBytesAsync(Path.Combine(outDir, "results.json"),
            ReportWriter.Json(si, commandLine, fleet.MeanBodyBytes, result, null, verify, w => WriteJson(w, events.Events, steps, move)), CancellationToken.None);
        Console.WriteLine();
        Console.WriteLine(md);
        Console.WriteLine($"written: {Path.Combine(outDir, "results.md")}, results.json");
        Console.WriteLine();
        Console.WriteLine(summary);
        bool eventsPassed = events.Events.All(static e => e.Pass) && steps.All(static c => c.Pass) && move is not null;
        Console.WriteLine(verify is null ? "verify: not asked (--verify)" : VerifyLine(verify));
        return verify is { Pass: false } || !eventsPassed ? 2 : 0;
    }

    private static async Task KillAndRestartAsync(Timeline events, ScaleOutTopology topology, CancellationToken ct)
    {
        long started = await events.WaitUntilAsync(KillAt, ct);
        int pid = await topology.KillIngestAsync(0);
        events.Add(started, $"SIGKILL to Ingest A (pid {pid}); its nodes' batches and retries go to Ingest B", true);
        started = await events.WaitUntilAsync(RestartAt, ct);
        try
        {
            await topology.RestartIngestAsync(0, ct);
            events.Add(started, $"Ingest A started again on its spool, ready (pid {topology.IngestPid(0)})", true);
        }
        catch (InvalidOperationException ex)
        {
            events.Add(started, $"Ingest A did not come back: {ex.Message}", false);
        }
    }

    private static async Task<IReadOnlyList<CrossCheckStep>> CrossCheckAsync(Timeline events, ApiCrossCheck check, CancellationToken ct)
    {
        long started = await events.WaitUntilAsync(CrossCheckAt, ct);
        IReadOnlyList<CrossCheckStep> steps = await check.RunAsync(ct);
        bool pass = steps.Count > 0 && steps.All(static c => c.Pass);
        events.Add(started, "Api caches across instances: " + string.Join("; ", steps.Select(static c =>
            string.Create(C, $"{c.Name}: {(c.Pass ? "PASS" : "FAIL")} {(c.Pass ? $"in {c.Milliseconds:0} ms" : c.Detail)}"))), pass);
        return steps;
    }

    private static async Task<SlotMove?> MigrateAsync(Timeline events, ConnectionMultiplexer redis, int bucket, CancellationToken ct)
    {
        long started = await events.WaitUntilAsync(MigrateAt, ct);
        try
        {
            SlotMove move = await SlotMigration.MoveBucketAsync(redis, bucket, ct);
            events.Add(started, "Redis slot moved under load: " + move, true);
            return move;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
        {
            events.Add(started, $"Redis slot of bucket {bucket} not moved: {ex.Message}", false);
            return null;
        }
    }

    private static string Summary(RunResult r, IReadOnlyList<ScaleOutEvent> events, IReadOnlyList<CrossCheckStep> steps, SlotMove? move, ServerMetrics restarted,
        VerifyResult? verify)
    {
        var sb = new StringBuilder();
        sb.Append(C, $"scale-out: {r.ReportsPerSecond:0} reports/s ({r.RequestsPerSecond:0} batches/s) over {r.WindowSeconds:0.0} s through 2 Ingest instances, ");
        sb.Append(C, $"{r.Window.Failures} failed attempts, {r.Window.Retries} retries, {r.Window.GaveUp} given up; verify {verify?.Verdict ?? "not asked"}\n");
        foreach (ScaleOutEvent e in events) sb.Append(C, $"  {e.AtSeconds,6:+0.0;-0.0} s ({e.TookSeconds,4:0.0} s)  {(e.Pass ? "ok  " : "FAIL")}  {e.What}\n");
        sb.Append(C, $"  Ingest A after its restart: {restarted.RequestsTotal:0} requests answered, {restarted.ClickHouseRows:0} rows stored\n");
        if (move is null) sb.Append("  no slot moved\n");
        if (steps.Count == 0) sb.Append("  no Api check ran\n");
        return sb.ToString().TrimEnd('\n');
    }

    private static string VerifyLine(VerifyResult verify)
    {
        if (verify.Pass) return "verify PASS";
        var sb = new StringBuilder("verify " + verify.Verdict);
        foreach (VerifyCheck c in verify.Checks.Where(static c => !c.Pass))
        {
            sb.Append(C, $"\n  {c.Name}: expected {c.Expected}, got {c.Actual} {c.Detail}");
        }
        return sb.ToString();
    }

    private static string Section(ScaleOutSettings s, ScaleOutTopology topology, string summary, IReadOnlyList<ScaleOutEvent> events, IReadOnlyList<CrossCheckStep> steps)
    {
        var sb = new StringBuilder("\n## Scale-out\n\n");
        sb.Append(C, $"Topology on loopback: Ingest A {s.IngestUrl(0)} and B {s.IngestUrl(1)} (a spool each), Api A {s.ApiUrl(0)} and B {s.ApiUrl(1)} ");
        sb.Append(C, $"(database `{ScaleOutSettings.Database}`, one signing key), Redis Cluster `{topology.Redis}`, ClickHouse shards `{topology.ClickHouseShards}` (verified through the Distributed tables of the first). ");
        sb.Append("Node k sends to instance k mod 2 and retries on the other one. The server rows above are empty: `/metrics` is per instance and ");
        sb.Append("Ingest A's restarts with it; the CPU row lists Ingest B only (A's process changes mid-window).\n\n");
        sb.Append("| started (s from the window's start; negative: in the warm-up) | took (s) | event | result |\n|---:|---:|---|---|\n");
        foreach (ScaleOutEvent e in events)
        {
            sb.Append(C, $"| {e.AtSeconds:0.0} | {e.TookSeconds:0.0} | {e.What.Replace("|", "\\|", StringComparison.Ordinal)} | {(e.Pass ? "ok" : "FAIL")} |\n");
        }
        if (steps.Count > 0)
        {
            sb.Append("\n| Api check | result | time | detail |\n|---|---|---:|---|\n");
            foreach (CrossCheckStep c in steps) sb.Append(C, $"| {c.Name} | {(c.Pass ? "PASS" : "FAIL")} | {c.Milliseconds:0} ms | {c.Detail} |\n");
        }
        sb.Append("\n```\n").Append(summary).Append("\n```\n");
        return sb.ToString();
    }

    private static void WriteJson(Utf8JsonWriter w, IReadOnlyList<ScaleOutEvent> events, IReadOnlyList<CrossCheckStep> steps, SlotMove? move)
    {
        w.WritePropertyName("scaleOut");
        JsonSerializer.Serialize(w, new { events, apiCrossCheck = steps, slotMove = move }, WebJson);
    }

    /// <summary>The run's event times, as shares of the run, and what happened at each, timed from the window's start (several timelines add at once).</summary>
    private sealed class Timeline(RunWindow window)
    {
        private readonly List<ScaleOutEvent> _events = [];

        public IReadOnlyList<ScaleOutEvent> Events
        {
            get
            {
                lock (_events) return [.. _events.OrderBy(static e => e.AtSeconds)];
            }
        }

        /// <summary>Waits until that share of the run (warm-up and window) has passed; returns the timestamp it woke at.</summary>
        public async Task<long> WaitUntilAsync(double fraction, CancellationToken ct)
        {
            long at = window.Start + (long)((window.End - window.Start) * fraction);
            await Task.Delay(RunWindow.Until(at), ct);
            return Stopwatch.GetTimestamp();
        }

        /// <summary>
        /// Records what was done from <paramref name="started"/> until now. An event that ended after the window is said so: it
        /// did not all happen under load (a slow machine); its outcome still counts, and verify still covers it.
        /// </summary>
        public void Add(long started, string what, bool pass)
        {
            long now = Stopwatch.GetTimestamp();
            double at = (double)(started - window.MeasureStart) / Stopwatch.Frequency;
            double took = (double)(now - started) / Stopwatch.Frequency;
            if (now > window.End) what += " (ended after the measured window: the machine is slow for this --duration)";
            Console.WriteLine(string.Create(C, $"[scale-out] {at:+0.0;-0.0} s from the window's start ({took:0.0} s): {(pass ? "" : "FAIL: ")}{what}"));
            lock (_events) _events.Add(new ScaleOutEvent(at, took, what, pass));
        }
    }
}
