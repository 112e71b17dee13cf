using System.Globalization;
using Vpn.Perf.Load.Engine;
using Vpn.Perf.Load.Reporting;
using Vpn.Perf.Shared.ClickHouse;
using StackExchange.Redis;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>
/// <c>load -- ingest</c>: build and seed a fleet, optionally start Ingest, run the reference server first (when asked)
/// and then Ingest under the same load, verify what landed, and write the report. The reference runs first and
/// alone, so neither target shares the two cores with the other's leftovers (Ingest's ClickHouse flush, merges).
/// </summary>
internal static class IngestScenario
{
    public static async Task<int> RunAsync(IngestSettings s, string commandLine)
    {
        // Relative to the repository (dotnet run may start us in the project folder): load/reports/x means the same from anywhere.
        string outDir = Path.GetFullPath(s.OutDirectory, RepoRoot());
        Directory.CreateDirectory(outDir);
        Fleet fleet = Fleet.Build(s);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fleet: {s.Nodes} nodes x {s.VariantsPerNode} bodies, mean body {fleet.MeanBodyBytes / 1024:0.0} KiB, {s.Subscriptions} fresh subscriptions; out {outDir}"));

        await using ConnectionMultiplexer redis = await LoadRedis.ConnectAsync(s.RedisConnection);
        await fleet.SeedAsync(redis.GetDatabase(), s.Limits, s.BucketCount);
        using var control = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        RunResult? reference = null;
        RunResult? referenceDurable = null;
        RunResult? referenceValidating = null;
        if (s.Reference)
        {
            reference = await RunReferenceAsync(s, fleet, control, outDir, ReferenceKind.Bare);
            if (s.ReferenceDurable) referenceDurable = await RunReferenceAsync(s, fleet, control, outDir, ReferenceKind.Durable);
            if (s.ReferenceValidating) referenceValidating = await RunReferenceAsync(s, fleet, control, outDir, ReferenceKind.Validating);
            fleet.ResetAccounting(); // the reference's batches never reach Redis or ClickHouse
        }

        HincrbyCeilingResult? ceiling = s.HincrbyCeiling
            ? await HincrbyCeiling.MeasureAsync(redis, Shared.Redis.RedisConnector.Parse(s.RedisConnection, "vpnperf-load"), outDir)
            : null;

        // Whatever the reference step wrote to Redis (the ceiling: ~300 MB of AOF) must not weigh on the services' window.
        await RedisAof.CompactAsync(redis);
        ChildProcess? ingestProcess = s.StartIngest ? await StartIngestAsync(s, outDir, clickHouseReachable: !s.ClickHouseLater) : null;
        RunResult ingest;
        VerifyResult? verify = null;
        try
        {
            int? pid = ingestProcess?.Pid ?? FindIngest(s.Target.Port);
            ingest = await RunTargetAsync("ingest", s, fleet, s.Target, pid, control, RedisProbe.For(redis));
            if (s.DiscardSpool && ingestProcess is not null)
            {
                // The spool is this run's own (fresh node ids, its own folder): nothing else will ever read it.
                await ingestProcess.DisposeAsync();
                ingestProcess = null;
                string spool = Path.Combine(outDir, "spool");
                if (Directory.Exists(spool)) Directory.Delete(spool, recursive: true);
                Console.WriteLine($"Ingest stopped; its spool ({ingest.BacklogEndBytes / 1048576:0} MiB of backlog) deleted unsent (--discard-spool)");
            }
            else if (s.ClickHouseLater && ingestProcess is not null)
            {
                // The same spool, now with ClickHouse: everything acknowledged during the window must land from it.
                Console.WriteLine("restarting Ingest with ClickHouse reachable, on the same spool");
                await ingestProcess.DisposeAsync();
                ingestProcess = await StartIngestAsync(s, outDir, clickHouseReachable: true);
            }
            if (s.Verify)
            {
                using var clickHouse = new ClickHouseClient(ClickHouseOptions.Parse(s.ClickHouseConnection));
                var verifier = new IngestVerifier(fleet, redis.GetDatabase(), clickHouse, control, [new Uri(s.Target, "/metrics")], s.BucketCount);
                verify = await verifier.VerifyAsync(CancellationToken.None);
            }
        }
        finally
        {
            if (ingestProcess is not null) await StopIngestAsync(ingestProcess, s, control, outDir);
            await fleet.DeleteStatesAsync(redis.GetDatabase(), s.BucketCount);
        }

        string md = ReportWriter.Markdown(s, commandLine, fleet.MeanBodyBytes, ingest, reference, verify, ceiling, referenceDurable, referenceValidating);
        await File.WriteAllTextAsync(Path.Combine(outDir, "results.md"), md);
        await File.WriteAllBytesAsync(Path.Combine(outDir, "results.json"), ReportWriter.Json(s, commandLine, fleet.MeanBodyBytes, ingest, reference, verify, w =>
        {
            if (ceiling is not null) ReportWriter.WriteCeiling(w, ceiling);
            if (referenceDurable is not null) ReportWriter.WriteRun(w, "referenceDurable", referenceDurable);
            if (referenceValidating is not null) ReportWriter.WriteRun(w, "referenceValidating", referenceValidating);
        }));
        Console.WriteLine();
        Console.WriteLine(md);
        Console.WriteLine($"written: {Path.Combine(outDir, "results.md")}, results.json");
        return verify is { Pass: false } ? 2 : 0;
    }

    private static async Task<RunResult> RunTargetAsync(string label, IngestSettings s, Fleet fleet, Uri target, int? serverPid, HttpClient control,
        Func<Task<Dictionary<string, double>>>? probe)
    {
        var processes = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal)
        {
            ["server"] = serverPid is { } p ? [p] : [],
            ["load"] = [Environment.ProcessId],
            ["redis"] = ProcessCpu.Find("redis-server", inCommandLine: false),
            ["clickhouse"] = ProcessCpu.Find("clickhouse", inCommandLine: false),
        };
        using HttpClient http = LoadHttp.Create(s.Nodes, s.RequestTimeout);
        var counters = new RunCounters();
        var latency = new LatencyRecorder();
        var sender = new ReportSender(fleet.Nodes, http, [new Uri(target, "/v1/reports")], s, counters, latency);
        var plan = new LoadPlan(label, s.Rate, s.Concurrency, s.Warmup, s.Duration, new Uri(target, "/metrics"), processes, probe);
        Console.WriteLine($"[{label}] {target} {(s.OpenModel ? $"open model, {s.Rate} batches/s" : $"closed model, concurrency {s.Concurrency}")}, " +
            $"warm-up {s.Warmup.TotalSeconds} s, measure {s.Duration.TotalSeconds} s");
        return await new LoadRun(sender, counters, latency, control).RunAsync(plan);
    }

    /// <summary>What the reference does with a batch before answering.</summary>
    private enum ReferenceKind
    {
        /// <summary>Drains the body.</summary>
        Bare = 0,

        /// <summary>Appends the body to a file and answers after its fdatasync.</summary>
        Durable = 1,

        /// <summary>Decodes and checks the body with Ingest's codec, then as <see cref="Durable"/>.</summary>
        Validating = 2,
    }

    /// <summary>The same load against the reference, doing <paramref name="kind"/>'s work per batch.</summary>
    private static async Task<RunResult> RunReferenceAsync(IngestSettings s, Fleet fleet, HttpClient control, string outDir, ReferenceKind kind)
    {
        bool durable = kind != ReferenceKind.Bare;
        string label = kind switch
        {
            ReferenceKind.Durable => "reference+fsync",
            ReferenceKind.Validating => "reference+decode+fsync",
            _ => "reference",
        };
        var target = new Uri($"http://127.0.0.1:{s.ReferencePort}");
        (string file, List<string> args) = SelfCommand();
        args.AddRange(["reference-server", "--port", s.ReferencePort.ToString(CultureInfo.InvariantCulture)]);
        // In the run's folder, beside Ingest's spool: the same file system.
        string appended = Path.Combine(outDir, "reference-durable.bin");
        if (durable) args.AddRange(["--durable", appended]);
        if (kind == ReferenceKind.Validating) args.Add("--validate");
        // Same GC mode as Ingest (server GC, non-concurrent; see Ingest's csproj), so the comparison is of the work done.
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_gcServer"] = "1", ["DOTNET_gcConcurrent"] = "0" };
        try
        {
            await using ChildProcess server = ChildProcess.Start(file, args, env, Environment.CurrentDirectory,
                Path.Combine(outDir, label + ".log"));
            await server.WaitReadyAsync(new Uri(target, "/healthz"), TimeSpan.FromSeconds(30), CancellationToken.None);
            return await RunTargetAsync(label, s, fleet, target, server.Pid, control, probe: null);
        }
        finally
        {
            if (durable) File.Delete(appended); // gigabytes of bodies nothing reads
        }
    }

    /// <summary>Port 1 on loopback: nothing listens there, so the sink only retries and the spool keeps every batch.</summary>
    private const string UnreachableClickHouse = "http://default@127.0.0.1:1/unreachable";

    internal static async Task<ChildProcess> StartIngestAsync(IngestSettings s, string outDir, bool clickHouseReachable)
    {
        string root = RepoRoot();
        string dll = s.IngestDll ?? Path.Combine(root, "artifacts", "bin", "Vpn.Perf.Ingest", "release", "Vpn.Perf.Ingest.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build it with `dotnet build Vpn.Perf.sln -c Release` (or pass --ingest-dll).");
        }
        string spool = Path.Combine(outDir, "spool");
        Directory.CreateDirectory(spool);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ConnectionStrings__Redis"] = s.RedisConnection,
            ["ConnectionStrings__ClickHouse"] = clickHouseReachable ? s.ClickHouseConnection : UnreachableClickHouse,
            ["Ingest__SpoolDirectory"] = spool,
            // The window's backlog must fit: the default 1 GiB bound would answer 503 within a minute of ~20 MB/s.
            ["Ingest__SpoolMaxBacklogBytes"] = (clickHouseReachable ? 1L << 30 : 16L << 30).ToString(CultureInfo.InvariantCulture),
            ["Ingest__BucketCount"] = s.BucketCount.ToString(CultureInfo.InvariantCulture),
        };
        string url = $"http://127.0.0.1:{s.Target.Port}";
        string log = Path.Combine(outDir, clickHouseReachable ? "ingest.log" : "ingest-without-clickhouse.log");
        ChildProcess ingest = ChildProcess.Start("dotnet", [dll, "--urls", url], env, root, log);
        Console.WriteLine($"started Ingest: dotnet {dll} --urls {url} (spool {spool}, log {log}{(clickHouseReachable ? "" : ", ClickHouse unreachable")})");
        try
        {
            await ingest.WaitReadyAsync(new Uri(s.Target, "/healthz"), TimeSpan.FromSeconds(60), CancellationToken.None);
        }
        catch
        {
            await ingest.DisposeAsync();
            throw;
        }
        return ingest;
    }

    internal static async Task StopIngestAsync(ChildProcess ingest, IngestSettings s, HttpClient control, string outDir)
    {
        // Let the ClickHouse sink catch up first (bounded), so the run's data all lands and the spool can go.
        ServerMetrics last = ServerMetrics.Empty;
        for (int i = 0; i < 60; i++)
        {
            last = await ServerMetrics.ScrapeAsync(control, new Uri(s.Target, "/metrics"), CancellationToken.None);
            if (last.IsEmpty || last.SpoolBacklogBytes == 0) break;
            await Task.Delay(500);
        }
        await ingest.DisposeAsync();
        string spool = Path.Combine(outDir, "spool");
        // The spool is this run's own; once empty it is only disk. With a backlog it is kept: that data is not in ClickHouse yet.
        if (!last.IsEmpty && last.SpoolBacklogBytes == 0 && Directory.Exists(spool))
        {
            Directory.Delete(spool, recursive: true);
        }
        else
        {
            Console.WriteLine($"Ingest stopped with a spool backlog of {last.SpoolBacklogBytes} bytes; kept {spool}");
        }
    }

    /// <summary>How to start this very program again (the apphost, or <c>dotnet</c> plus the dll).</summary>
    internal static (string File, List<string> Args) SelfCommand()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        string dll = typeof(IngestScenario).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? (process, [dll]) : (process, []);
    }

    internal static string RepoRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "Vpn.Perf.sln"))) return d.FullName;
            }
        }
        throw new DirectoryNotFoundException("Vpn.Perf.sln not found above the working directory: run from the repository.");
    }

    /// <summary>The Ingest whose command line names <paramref name="port"/> (other Ingests may run on this machine).</summary>
    internal static int? FindIngest(int port)
    {
        foreach (int pid in ProcessCpu.Find("Vpn.Perf.Ingest.dll", inCommandLine: true))
        {
            if (ProcessCpu.Find($":{port}", inCommandLine: true).Contains(pid)) return pid;
        }
        return null;
    }
}
