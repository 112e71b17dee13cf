using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Load.Reference;
using Vpn.Perf.Load.Engine;
using Vpn.Perf.Load.Reporting;

namespace Vpn.Perf.Load.Scenarios.Api;

/// <summary>
/// <c>load -- config</c> and <c>load -- login</c>: seed the data, optionally create the database and start the Api,
/// run the reference server first (config, when asked) and then the Api under the same load, and write the report
/// with the quick check of every answer.
/// </summary>
internal static class ApiScenario
{
    public static async Task<int> RunAsync(ApiLoadSettings s, string commandLine)
    {
        string root = IngestScenario.RepoRoot();
        string outDir = Path.GetFullPath(s.OutDirectory, root);
        Directory.CreateDirectory(outDir);
        var notes = new List<string>();
        string apiDll = s.ApiDll ?? Path.Combine(root, "artifacts", "bin", "Vpn.Perf.Api", "release", "Vpn.Perf.Api.dll");
        if (s.StartApi)
        {
            if (!File.Exists(apiDll)) throw new FileNotFoundException($"{apiDll} is missing: build it with `dotnet build Vpn.Perf.sln -c Release` (or pass --api-dll).");
            await ApiSeeder.CreateDatabaseAsync(s, apiDll, outDir);
            notes.Add($"Database `{s.Database}` dropped, recreated and migrated by `dotnet Vpn.Perf.Api.dll migrate schema/postgres`, then seeded.");
        }

        string[] subscriptions = [];
        LoginUser[] users = [];
        await using (NpgsqlDataSource db = NpgsqlDataSource.Create(s.SeedConnection))
        {
            if (s.Kind == ApiScenarioKind.Config) subscriptions = await ApiSeeder.SeedSubscriptionsAsync(db, s.Subscriptions, s.Inbounds, s.WireGuard ? s.WireGuardKey : null);
            else users = await ApiSeeder.SeedUsersAsync(db, s.Users, s.BcryptCost);
        }

        ChildProcess? api = s.StartApi ? await StartApiAsync(s, apiDll, root, outDir, notes) : null;
        using var control = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            int? pid = api?.Pid ?? FindApi(s.Target.Port);
            if (s.Kind == ApiScenarioKind.Config) return await RunConfigAsync(s, commandLine, outDir, subscriptions, pid, control, notes);
            if (!s.LimitsRaised)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture,
                    $"The Api was not started by the tool: its login limits ({s.IpPermitsPerMinute}/min per IP, {s.AccountPermitsPerMinute}/min per account, " +
                    $"as given) are respected by pacing starts to at most {s.MaxLoginRate:0.###}/s with {s.Users} users in turn."));
            }
            return await RunLoginAsync(s, commandLine, outDir, users, pid, control, notes);
        }
        finally
        {
            if (api is not null) await api.DisposeAsync();
        }
    }

    private static async Task<int> RunConfigAsync(ApiLoadSettings s, string commandLine, string outDir, string[] subscriptions, int? apiPid,
        HttpClient control, List<string> notes)
    {
        using HttpClient apiHttp = LoadHttp.Create(s.Clients, s.RequestTimeout);
        var apiCounters = new RunCounters();
        var apiLatency = new LatencyRecorder();
        var apiFetcher = new ConfigFetcher(apiHttp, s.Target, subscriptions, s.Format, s.Clients, s.IfNoneMatch, new ConfigBodyCheck(s.Format, s.ExpectedProxies), s.Seed, apiCounters, apiLatency, s.Hwid);
        // Every entry is rendered and cached before anything is measured: the figures are those of a warm cache.
        await apiFetcher.PrimeAsync(8);
        double bodyBytes = apiFetcher.MeanBodyBytes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"primed {subscriptions.Length} configs (cache warm), mean body {bodyBytes:0} bytes, {apiFetcher.Invalid.Count} invalid"));

        RunResult? reference = null;
        InvalidAnswers? referenceInvalid = null;
        RunResult? referenceRead = null;
        InvalidAnswers? referenceReadInvalid = null;
        if (s.Reference)
        {
            (reference, referenceInvalid) = await RunConfigReferenceAsync(s, subscriptions, (int)Math.Round(bodyBytes), control, outDir, redis: null);
        }
        if (s.ReferenceRedisRead)
        {
            await using ConnectionMultiplexer redis = await LoadRedis.ConnectAsync(s.RedisConnection);
            IDatabase db = redis.GetDatabase();
            // One key per token, like the Api's usage keys: present, so every read carries a value back.
            foreach (string token in subscriptions) await db.StringSetAsync(ReferenceServer.UsageKey(token), 123_456_789, TimeSpan.FromDays(1));
            try
            {
                (referenceRead, referenceReadInvalid) = await RunConfigReferenceAsync(s, subscriptions, (int)Math.Round(bodyBytes), control, outDir, s.RedisConnection);
            }
            finally
            {
                foreach (string token in subscriptions) await db.KeyDeleteAsync(ReferenceServer.UsageKey(token));
            }
        }
        RunResult result = await RunTargetAsync("api", s, apiFetcher, s.Target, apiPid, apiCounters, apiLatency, control);

        var checks = new List<(string Target, RunResult Run, InvalidAnswers Invalid)> { ("Api", result, apiFetcher.Invalid) };
        if (reference is not null) checks.Add(("reference", reference, referenceInvalid!));
        if (referenceRead is not null) checks.Add(("reference + Redis GET", referenceRead, referenceReadInvalid!));
        string what = string.Create(CultureInfo.InvariantCulture,
            $"{subscriptions.Length} subscriptions, each with {s.LinkedInbounds} inbound(s) on one node; format {s.Format}, config body {bodyBytes:0} bytes; " +
            $"{s.IfNoneMatch:P0} of fetches send If-None-Match with the ETag of the previous answer");
        if (s.Hwid) what += "; every fetch sends x-hwid (one registered device per subscription) and the device headers";
        return await WriteAsync(s, commandLine, outDir, what, bodyBytes, result, reference, checks, notes, okStatuses: [200, 304], referenceRead);
    }

    /// <summary>The same load against the bare reference; with <paramref name="redis"/>, reading one key per request there.</summary>
    private static async Task<(RunResult, InvalidAnswers)> RunConfigReferenceAsync(ApiLoadSettings s, string[] subscriptions, int bodyBytes, HttpClient control,
        string outDir, string? redis)
    {
        var target = new Uri($"http://127.0.0.1:{s.ReferencePort}");
        (string file, List<string> args) = IngestScenario.SelfCommand();
        args.AddRange(["reference-server", "--port", s.ReferencePort.ToString(CultureInfo.InvariantCulture),
            "--config-body-bytes", bodyBytes.ToString(CultureInfo.InvariantCulture)]);
        if (redis is not null) args.AddRange(["--redis", redis]);
        // The Api runs with server GC (the Web SDK default, concurrent): the reference gets the same.
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["DOTNET_gcServer"] = "1" };
        string log = Path.Combine(outDir, redis is null ? "reference.log" : "reference-redis-read.log");
        await using ChildProcess server = ChildProcess.Start(file, args, env, Environment.CurrentDirectory, log);
        await server.WaitReadyAsync(new Uri(target, "/healthz"), TimeSpan.FromSeconds(30), CancellationToken.None);
        using HttpClient http = LoadHttp.Create(s.Clients, s.RequestTimeout);
        var counters = new RunCounters();
        var latency = new LatencyRecorder();
        var fetcher = new ConfigFetcher(http, target, subscriptions, s.Format, s.Clients, s.IfNoneMatch, ConfigBodyCheck.Reference, s.Seed, counters, latency, s.Hwid);
        await fetcher.PrimeAsync(8);
        RunResult result = await RunTargetAsync(redis is null ? "reference" : "reference+get", s, fetcher, target, server.Pid, counters, latency, control);
        return (result, fetcher.Invalid);
    }

    private static async Task<int> RunLoginAsync(ApiLoadSettings s, string commandLine, string outDir, LoginUser[] users, int? apiPid, HttpClient control,
        List<string> notes)
    {
        using HttpClient http = LoadHttp.Create(s.Clients, s.RequestTimeout);
        var counters = new RunCounters();
        var latency = new LatencyRecorder();
        double? pace = s.LimitsRaised || s.OpenModel ? null : s.MaxLoginRate;
        var sender = new LoginSender(http, s.Target, users, s.Clients, pace, s.Warmup + s.Duration, counters, latency);
        RunResult result = await RunTargetAsync("api", s, sender, s.Target, apiPid, counters, latency, control);
        string what = string.Create(CultureInfo.InvariantCulture, $"{users.Length} users signed in round robin by email, bcrypt cost {s.BcryptCost}");
        return await WriteAsync(s, commandLine, outDir, what, 0, result, null, [("Api", result, sender.Invalid)], notes, okStatuses: [200]);
    }

    private static Task<RunResult> RunTargetAsync(string label, ApiLoadSettings s, ILaneIssuer issuer, Uri target, int? serverPid, RunCounters counters,
        LatencyRecorder latency, HttpClient control)
    {
        var processes = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal)
        {
            ["server"] = serverPid is { } p ? [p] : [],
            ["load"] = [Environment.ProcessId],
            ["redis"] = ProcessCpu.Find("redis-server", inCommandLine: false),
            ["postgres"] = ProcessCpu.Find("postgres", inCommandLine: false),
        };
        var plan = new LoadPlan(label, s.Rate, s.Concurrency, s.Warmup, s.Duration, MetricsUrl: null, processes, Probe: null, Statuses: true);
        Console.WriteLine($"[{label}] {target} {(s.OpenModel ? $"open model, {s.Rate} requests/s" : $"closed model, concurrency {s.Concurrency}")}, " +
            $"{s.Clients} clients, warm-up {s.Warmup.TotalSeconds} s, measure {s.Duration.TotalSeconds} s");
        return new LoadRun(issuer, counters, latency, control).RunAsync(plan);
    }

    internal static async Task<ChildProcess> StartApiAsync(ApiLoadSettings s, string dll, string root, string outDir, List<string> notes)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ConnectionStrings__Postgres"] = s.SeedConnection,
            ["ConnectionStrings__Redis"] = s.RedisConnection,
            ["ConnectionStrings__ClickHouse"] = s.ClickHouseConnection,
            ["Auth__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["Auth__BcryptCost"] = s.BcryptCost.ToString(CultureInfo.InvariantCulture),
            // The state-sync loops would publish the seeded states to the shared Redis and join Ingest's over-limit
            // consumer group there; neither is on the path of a config fetch or a login.
            ["StateSync__Enabled"] = "false",
            ["WireGuard__KeyEncryptionKey"] = s.WireGuardKey,
        };
        notes.Add("Api started by the tool with `StateSync__Enabled=false` (the shared Redis must not get this run's states, and the over-limit " +
            "consumer must not take other runs' events; neither loop is on the measured path), a random 48-byte `Auth__SigningKey` and a random " +
            "`WireGuard__KeyEncryptionKey` (the one the seeded peers' keys are encrypted under).");
        if (s.QuietRequestLog)
        {
            // Ingest, the reference and (since commit 271416c) the Api filter Microsoft.AspNetCore to Warning in code; the variable
            // gives an older Api build, which logged two Information lines per request, the same setting.
            env["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
            notes.Add("`Logging__LogLevel__Microsoft.AspNetCore=Warning`, as Ingest, the reference and the Api itself (since 271416c) set in code; " +
                "it only matters for an older Api build, which logged two lines per request.");
        }
        if (s.Kind == ApiScenarioKind.Login)
        {
            string raised = ApiLoadSettings.RaisedPermitsPerMinute.ToString(CultureInfo.InvariantCulture);
            env["Auth__LoginPermitsPerMinute"] = raised;
            env["Auth__LoginAccountPermitsPerMinute"] = raised;
            notes.Add($"Login rate limits raised for the run: `Auth__LoginPermitsPerMinute={raised}`, `Auth__LoginAccountPermitsPerMinute={raised}` " +
                "(defaults 30 per IP and 10 per account per minute: all load comes from one loopback address). " +
                $"`Auth__BcryptCost={s.BcryptCost}`, the cost the users were seeded with.");
        }
        string url = $"http://127.0.0.1:{s.Target.Port}";
        string log = Path.Combine(outDir, "api.log");
        ChildProcess api = ChildProcess.Start("dotnet", [dll, "--urls", url], env, root, log);
        Console.WriteLine($"started Api: dotnet {dll} --urls {url} (log {log})");
        try
        {
            await api.WaitReadyAsync(new Uri(s.Target, "/healthz"), TimeSpan.FromSeconds(60), CancellationToken.None);
        }
        catch
        {
            await api.DisposeAsync();
            throw;
        }
        return api;
    }

    private static async Task<int> WriteAsync(ApiLoadSettings s, string commandLine, string outDir, string what, double bodyBytes, RunResult api,
        RunResult? reference, List<(string Target, RunResult Run, InvalidAnswers Invalid)> checks, List<string> notes, int[] okStatuses,
        RunResult? referenceRead = null)
    {
        var report = new ApiReport(s, commandLine, what, bodyBytes, api, reference, checks, notes, okStatuses, referenceRead);
        string md = ApiReportWriter.Markdown(report);
        await File.WriteAllTextAsync(Path.Combine(outDir, "results.md"), md);
        await File.WriteAllBytesAsync(Path.Combine(outDir, "results.json"), ApiReportWriter.Json(report));
        Console.WriteLine();
        Console.WriteLine(md);
        Console.WriteLine($"written: {Path.Combine(outDir, "results.md")}, results.json");
        return report.CheckPassed ? 0 : 2;
    }

    /// <summary>The Api whose command line names our port (other Apis may run on this machine).</summary>
    internal static int? FindApi(int port)
    {
        foreach (int pid in ProcessCpu.Find("Vpn.Perf.Api.dll", inCommandLine: true))
        {
            if (ProcessCpu.Find($":{port}", inCommandLine: true).Contains(pid)) return pid;
        }
        return null;
    }
}
