using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Vpn.Perf.Load.Engine;
using Vpn.Perf.Load.Reporting;
using Vpn.Perf.Load.Scenarios.Api;
using Vpn.Perf.Shared.ClickHouse;
using StackExchange.Redis;

namespace Vpn.Perf.Load.Scenarios.Mixed;

/// <summary>The two parts of one mixed run against one pair of targets, over the same window.</summary>
internal sealed record MixedRun(RunResult Ingest, RunResult Config, InvalidAnswers ConfigInvalid);

/// <summary>
/// <c>load -- mixed</c>: node exporters posting batches to Ingest and apps fetching their config from the Api at the same
/// time, on the same two cores, each part driven by its own scenario's sender (<see cref="ReportSender"/>,
/// <see cref="ConfigFetcher"/>) and load model, the two <see cref="LoadRun"/>s sharing one window. With
/// <c>--reference</c> the same mixed load runs first, alone, against one bare Kestrel server that serves both paths.
/// At the end the ingest part is verified exactly as <c>load -- ingest --verify</c> does, and every config answer is
/// checked as <c>load -- config</c> does.
/// </summary>
internal static class MixedScenario
{
    private static readonly int[] ConfigOk = [200, 304];

    public static async Task<int> RunAsync(MixedSettings m, string commandLine)
    {
        IngestSettings si = m.Ingest;
        ApiLoadSettings sa = m.Config;
        string root = IngestScenario.RepoRoot();
        string outDir = Path.GetFullPath(m.OutDirectory, root);
        Directory.CreateDirectory(outDir);
        var notes = new List<string>();

        Fleet fleet = Fleet.Build(si);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fleet: {si.Nodes} nodes x {si.VariantsPerNode} bodies, mean body {fleet.MeanBodyBytes / 1024:0.0} KiB, {si.Subscriptions} fresh subscriptions; out {outDir}"));
        await using ConnectionMultiplexer redis = await LoadRedis.ConnectAsync(si.RedisConnection);
        await fleet.SeedAsync(redis.GetDatabase(), si.Limits, si.BucketCount);

        string apiDll = sa.ApiDll ?? Path.Combine(root, "artifacts", "bin", "Vpn.Perf.Api", "release", "Vpn.Perf.Api.dll");
        if (sa.StartApi)
        {
            if (!File.Exists(apiDll)) throw new FileNotFoundException($"{apiDll} is missing: build it with `dotnet build Vpn.Perf.sln -c Release` (or pass --api-dll).");
            await ApiSeeder.CreateDatabaseAsync(sa, apiDll, outDir);
            notes.Add($"Database `{sa.Database}` dropped, recreated and migrated by `dotnet Vpn.Perf.Api.dll migrate schema/postgres`, then seeded.");
        }
        string[] subscriptions;
        await using (NpgsqlDataSource db = NpgsqlDataSource.Create(sa.SeedConnection))
        {
            subscriptions = await ApiSeeder.SeedSubscriptionsAsync(db, sa.Subscriptions, sa.Inbounds);
        }

        using var control = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        ChildProcess? api = sa.StartApi ? await ApiScenario.StartApiAsync(sa, apiDll, root, outDir, notes) : null;
        ChildProcess? ingest = null;
        MixedRun? reference = null;
        MixedRun real;
        VerifyResult? verify = null;
        double configBytes;
        try
        {
            using HttpClient fetchHttp = LoadHttp.Create(sa.Clients, sa.RequestTimeout);
            var fetchCounters = new RunCounters();
            var fetchLatency = new LatencyRecorder();
            var fetcher = new ConfigFetcher(fetchHttp, sa.Target, subscriptions, sa.Format, sa.Clients, sa.IfNoneMatch, new ConfigBodyCheck(sa.Format, sa.ExpectedProxies), sa.Seed, fetchCounters, fetchLatency);
            // As in the config scenario: every entry rendered and cached first, so the config part measures a warm cache.
            await fetcher.PrimeAsync(8);
            configBytes = fetcher.MeanBodyBytes;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"primed {subscriptions.Length} configs (cache warm), mean body {configBytes:0} bytes, {fetcher.Invalid.Count} invalid"));

            if (m.Reference)
            {
                reference = await RunReferenceAsync(m, fleet, subscriptions, (int)Math.Round(configBytes), control, outDir);
                fleet.ResetAccounting(); // the reference's batches never reach Redis or ClickHouse
                notes.Add("Reference: one `load -- reference-server` process (server GC) serving both `POST /v1/reports` (drained, Ingest-sized answer) " +
                    "and `GET /s/{token}` (a body of the Api's mean config size), run first and alone with the same mixed load.");
            }

            if (si.StartIngest) ingest = await IngestScenario.StartIngestAsync(si, outDir, clickHouseReachable: true);
            var servers = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal)
            {
                ["Ingest"] = AsList(ingest?.Pid ?? IngestScenario.FindIngest(si.Target.Port)),
                ["Api"] = AsList(api?.Pid ?? ApiScenario.FindApi(sa.Target.Port)),
            };
            real = await RunPairAsync(m, "", fleet, si.Target, sa.Target, fetcher, fetchCounters, fetchLatency, servers, control, RedisProbe.For(redis));
            if (si.Verify)
            {
                using var clickHouse = new ClickHouseClient(ClickHouseOptions.Parse(si.ClickHouseConnection));
                var verifier = new IngestVerifier(fleet, redis.GetDatabase(), clickHouse, control, [new Uri(si.Target, "/metrics")], si.BucketCount);
                verify = await verifier.VerifyAsync(CancellationToken.None);
            }
        }
        finally
        {
            if (ingest is not null) await IngestScenario.StopIngestAsync(ingest, si, control, outDir);
            if (api is not null) await api.DisposeAsync();
            await fleet.DeleteStatesAsync(redis.GetDatabase(), si.BucketCount);
        }

        var report = new MixedReport(m, commandLine, fleet.MeanBodyBytes, configBytes, subscriptions.Length, real, reference, verify, notes);
        string md = MixedReportWriter.Markdown(report);
        await File.WriteAllTextAsync(Path.Combine(outDir, "results.md"), md);
        await File.WriteAllBytesAsync(Path.Combine(outDir, "results.json"), MixedReportWriter.Json(report));
        Console.WriteLine();
        Console.WriteLine(md);
        Console.WriteLine($"written: {Path.Combine(outDir, "results.md")}, results.json");
        return verify is { Pass: false } || !report.CheckPassed ? 2 : 0;
    }

    /// <summary>Whether the config answers of every target passed the config scenario's check.</summary>
    internal static bool ConfigPassed(MixedRun run) => ApiReport.Passed(run.Config, run.ConfigInvalid, ConfigOk);

    private static async Task<MixedRun> RunReferenceAsync(MixedSettings m, Fleet fleet, string[] subscriptions, int configBytes, HttpClient control, string outDir)
    {
        ApiLoadSettings sa = m.Config;
        var target = new Uri($"http://127.0.0.1:{m.ReferencePort}");
        (string file, List<string> args) = IngestScenario.SelfCommand();
        args.AddRange(["reference-server", "--port", m.ReferencePort.ToString(CultureInfo.InvariantCulture),
            "--config-body-bytes", configBytes.ToString(CultureInfo.InvariantCulture)]);
        // Ingest (non-concurrent) and the Api (concurrent) both run server GC; one process can only have one mode: server GC.
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_gcServer"] = "1" };
        await using ChildProcess server = ChildProcess.Start(file, args, env, Environment.CurrentDirectory, Path.Combine(outDir, "reference.log"));
        await server.WaitReadyAsync(new Uri(target, "/healthz"), TimeSpan.FromSeconds(30), CancellationToken.None);
        using HttpClient http = LoadHttp.Create(sa.Clients, sa.RequestTimeout);
        var counters = new RunCounters();
        var latency = new LatencyRecorder();
        var fetcher = new ConfigFetcher(http, target, subscriptions, sa.Format, sa.Clients, sa.IfNoneMatch, ConfigBodyCheck.Reference, sa.Seed, counters, latency);
        await fetcher.PrimeAsync(8);
        var servers = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal) { ["reference"] = [server.Pid] };
        return await RunPairAsync(m, "reference ", fleet, target, target, fetcher, counters, latency, servers, control, probe: null);
    }

    /// <summary>Both parts at once: two <see cref="LoadRun"/>s started on the same timestamp, so their windows coincide.</summary>
    private static async Task<MixedRun> RunPairAsync(MixedSettings m, string label, Fleet fleet, Uri ingestTarget, Uri configTarget, ConfigFetcher fetcher,
        RunCounters fetchCounters, LatencyRecorder fetchLatency, Dictionary<string, IReadOnlyList<int>> servers, HttpClient control,
        Func<Task<Dictionary<string, double>>>? probe)
    {
        IngestSettings si = m.Ingest;
        ApiLoadSettings sa = m.Config;
        var processes = new Dictionary<string, IReadOnlyList<int>>(servers, StringComparer.Ordinal)
        {
            ["load"] = [Environment.ProcessId],
            ["redis"] = ProcessCpu.Find("redis-server", inCommandLine: false),
            ["clickhouse"] = ProcessCpu.Find("clickhouse", inCommandLine: false),
            ["postgres"] = ProcessCpu.Find("postgres", inCommandLine: false),
        };
        using HttpClient ingestHttp = LoadHttp.Create(si.Nodes, si.RequestTimeout);
        var ingestCounters = new RunCounters();
        var ingestLatency = new LatencyRecorder();
        var sender = new ReportSender(fleet.Nodes, ingestHttp, [new Uri(ingestTarget, "/v1/reports")], si, ingestCounters, ingestLatency);
        var ingestPlan = new LoadPlan(label + "ingest", si.Rate, si.Concurrency, si.Warmup, si.Duration, new Uri(ingestTarget, "/metrics"), processes, probe);
        var configPlan = new LoadPlan(label + "config", sa.Rate, sa.Concurrency, sa.Warmup, sa.Duration, MetricsUrl: null, processes, Probe: null, Statuses: true);
        Console.WriteLine($"[{label}mixed] ingest {ingestTarget} {(si.OpenModel ? $"open model, {si.Rate} batches/s" : $"closed model, {si.Concurrency} in flight")}; " +
            $"config {configTarget} {(sa.OpenModel ? $"open model, {sa.Rate} fetches/s" : $"closed model, {sa.Concurrency} in flight")}, {sa.Clients} clients; " +
            $"warm-up {si.Warmup.TotalSeconds} s, measure {si.Duration.TotalSeconds} s");
        long start = Stopwatch.GetTimestamp();
        Task<RunResult> ingestRun = new LoadRun(sender, ingestCounters, ingestLatency, control).RunAsync(ingestPlan, start);
        Task<RunResult> configRun = new LoadRun(fetcher, fetchCounters, fetchLatency, control).RunAsync(configPlan, start);
        await Task.WhenAll(ingestRun, configRun);
        return new MixedRun(await ingestRun, await configRun, fetcher.Invalid);
    }

    private static int[] AsList(int? pid) => pid is { } p ? [p] : [];
}
