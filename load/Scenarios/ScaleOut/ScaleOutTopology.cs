using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;
using Vpn.Perf.Load.Engine;
using Vpn.Perf.Load.Scenarios.Api;

namespace Vpn.Perf.Load.Scenarios.ScaleOut;

/// <summary>
/// Everything <c>load -- scale-out</c> runs, on loopback: a Redis Cluster of three masters and two ClickHouse shards (through
/// <c>load/scale-out-servers.sh</c>, i.e. servers.sh's <c>start_redis_cluster</c> and <c>start_clickhouse_shards</c>; what
/// the services get for ClickHouse is decided in one place, <see cref="ClickHouseEnvironment"/>), the tool's own database on the shared Postgres,
/// two Ingest instances with a spool each, and two Api instances on that database. Every start waits for readiness
/// within a bound and says what did not come up; <see cref="DisposeAsync"/> stops whatever was started, in reverse
/// order, once, whoever calls it first (the run's end, a failure, or Ctrl+C).
/// </summary>
internal sealed class ScaleOutTopology : IAsyncDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly string[] Names = ["A", "B"];

    private readonly ScaleOutSettings _s;
    private readonly string _root;
    private readonly string _outDir;
    private readonly string _ingestDll;
    private readonly string _apiDll;
    private readonly ChildProcess?[] _ingest = new ChildProcess?[2];
    private readonly ChildProcess?[] _api = new ChildProcess?[2];
    private readonly int[] _ingestStarts = new int[2];
    private readonly Lock _disposeLock = new();
    private bool _serversStarted;
    private Task? _disposed;

    public ScaleOutTopology(ScaleOutSettings s, string root, string outDir)
    {
        _s = s;
        _root = root;
        _outDir = outDir;
        _ingestDll = s.IngestDll ?? Path.Combine(root, "artifacts", "bin", "Vpn.Perf.Ingest", "release", "Vpn.Perf.Ingest.dll");
        _apiDll = s.ApiDll ?? Path.Combine(root, "artifacts", "bin", "Vpn.Perf.Api", "release", "Vpn.Perf.Api.dll");
        // One key for both instances: a token issued by one must be accepted by the other.
        SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48));
    }

    /// <summary>The Redis Cluster's nodes as a StackExchange.Redis configuration string.</summary>
    public string Redis { get; private set; } = "";

    /// <summary>
    /// The server whose Distributed tables <c>traffic</c> and <c>access_log</c> cover both shards: the Api's
    /// <c>ConnectionStrings__ClickHouse</c>, and what <c>--verify</c> reads.
    /// </summary>
    public string ClickHouse { get; private set; } = "";

    /// <summary>Both shards, <c>;</c>-separated: Ingest's <c>ConnectionStrings__ClickHouseShards</c> (each row to its subscription's shard).</summary>
    public string ClickHouseShards { get; private set; } = "";

    public string Postgres => $"{_s.PostgresServer};Database={ScaleOutSettings.Database}";

    public string SigningKey { get; }

    public int? IngestPid(int i) => _ingest[i]?.Pid;

    public static string Name(int i) => Names[i];

    /// <summary>The cluster's redis-server processes, from the pid files their start wrote (other Redis servers on the machine are not ours).</summary>
    public IReadOnlyList<int> RedisPids() => PidsFrom([.. Enumerable.Range(_s.RedisClusterPort, 3)
        .Select(p => Path.Combine(ServersDirectory, "redis-cluster", p.ToString(CultureInfo.InvariantCulture), "redis.pid"))]);

    private static List<int> PidsFrom(params string[] files)
    {
        var pids = new List<int>();
        foreach (string file in files)
        {
            if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out int pid)) pids.Add(pid);
        }
        return pids;
    }

    public async Task StartAsync(CancellationToken ct)
    {
        foreach (string dll in new[] { _ingestDll, _apiDll })
        {
            if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is missing: build it with `dotnet build Vpn.Perf.sln -c Release`.");
        }
        await CheckPortsFreeAsync(ct);
        // Postgres first: a missing one is found before anything is started.
        try
        {
            await ApiSeeder.CreateDatabaseAsync(_s.PostgresServer, ScaleOutSettings.Database, _apiDll, _outDir);
        }
        catch (NpgsqlException ex)
        {
            throw new InvalidOperationException($"Postgres at '{_s.PostgresServer}' (LOAD_POSTGRES): {ex.Message}. Start it (tests/infra/servers.sh) " +
                "or point the variable at a running one.", ex);
        }

        Console.WriteLine($"starting a Redis Cluster of 3 masters on 127.0.0.1:{_s.RedisClusterPort}-{_s.RedisClusterPort + 2} and 2 ClickHouse shards " +
            $"on 127.0.0.1:{_s.ClickHouseShardHttpPort}-{_s.ClickHouseShardHttpPort + 1} (data and logs in {ServersDirectory})");
        _serversStarted = true; // from here on, stop them even if the start fails half-way
        string started = await RunScriptAsync("start", ct);
        Redis = Setting(started, "redis");
        ClickHouseShards = Setting(started, "clickhouse_shards");
        ClickHouse = ClickHouseShards.Split(';')[0];
        Console.WriteLine($"Redis Cluster up: {Redis}");
        Console.WriteLine($"ClickHouse shards up: {ClickHouseShards} (Distributed tables read on the first)");

        for (int i = 0; i < 2; i++) await StartIngestAsync(i, ct);
        for (int i = 0; i < 2; i++) await StartApiAsync(i, ct);
    }

    /// <summary>SIGKILL to Ingest <paramref name="i"/>: no shutdown code runs, its spool stays as the crash left it.</summary>
    public async Task<int> KillIngestAsync(int i)
    {
        ChildProcess ingest = _ingest[i] ?? throw new InvalidOperationException($"Ingest {Name(i)} is not running.");
        int pid = ingest.Pid;
        await ingest.KillAsync();
        await ingest.DisposeAsync();
        _ingest[i] = null;
        return pid;
    }

    /// <summary>Starts Ingest <paramref name="i"/> again on the same spool directory, so it recovers what it had accepted.</summary>
    public Task RestartIngestAsync(int i, CancellationToken ct) => StartIngestAsync(i, ct);

    /// <summary>Stops everything started, once; a second caller (the run's end racing Ctrl+C) waits for the same teardown.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_disposeLock)
        {
            return new(_disposed ??= StopAllAsync());
        }
    }

    /// <summary>Runs to its end whatever happens: every step is bounded (SIGTERM then SIGKILL, the script's own waits).</summary>
    private async Task StopAllAsync()
    {
        for (int i = 0; i < 2; i++) await StopAsync(_api, i);
        for (int i = 0; i < 2; i++) await StopIngestAsync(i);
        if (_serversStarted)
        {
            try
            {
                await RunScriptAsync("stop", CancellationToken.None);
                Console.WriteLine("Redis Cluster and ClickHouse shards stopped");
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
            {
                Console.Error.WriteLine($"stopping the Redis Cluster and ClickHouse shards failed: {ex.Message}");
            }
        }
    }

    private string ServersDirectory => Path.Combine(_outDir, "servers");

    /// <summary>The one place that decides what the services get for ClickHouse: Ingest writes to the shards, everything reads the Distributed tables.</summary>
    private Dictionary<string, string> ClickHouseEnvironment(bool writer)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["ConnectionStrings__ClickHouse"] = ClickHouse };
        if (writer) env["ConnectionStrings__ClickHouseShards"] = ClickHouseShards;
        return env;
    }

    /// <summary>The shards' clickhouse-server processes, from the pid files their start wrote.</summary>
    public IReadOnlyList<int> ClickHousePids() => PidsFrom(Path.Combine(ServersDirectory, "clickhouse-shard1", "clickhouse.pid"),
        Path.Combine(ServersDirectory, "clickhouse-shard2", "clickhouse.pid"));

    private async Task StartIngestAsync(int i, CancellationToken ct)
    {
        int start = ++_ingestStarts[i];
        string spool = SpoolDirectory(i);
        Directory.CreateDirectory(spool);
        Dictionary<string, string> env = ClickHouseEnvironment(writer: true);
        env["ConnectionStrings__Redis"] = Redis;
        env["Ingest__SpoolDirectory"] = spool;
        env["Ingest__BucketCount"] = _s.Load.BucketCount.ToString(CultureInfo.InvariantCulture);
        string log = Path.Combine(_outDir, $"ingest-{Name(i).ToLowerInvariant()}{(start > 1 ? "-" + start.ToString(CultureInfo.InvariantCulture) : "")}.log");
        _ingest[i] = await StartServiceAsync($"Ingest {Name(i)}", _ingestDll, _s.IngestUrl(i), env, log, ct);
    }

    private async Task StartApiAsync(int i, CancellationToken ct)
    {
        Dictionary<string, string> env = ClickHouseEnvironment(writer: false);
        env["ConnectionStrings__Postgres"] = Postgres;
        env["ConnectionStrings__Redis"] = Redis;
        env["Ingest__BucketCount"] = _s.Load.BucketCount.ToString(CultureInfo.InvariantCulture);
        env["Auth__SigningKey"] = SigningKey;
        // The one account the run signs in with is seeded at this cost; a higher one would rehash it at the first login.
        env["Auth__BcryptCost"] = ApiCrossCheck.BcryptCost.ToString(CultureInfo.InvariantCulture);
        env["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        string log = Path.Combine(_outDir, $"api-{Name(i).ToLowerInvariant()}.log");
        _api[i] = await StartServiceAsync($"Api {Name(i)}", _apiDll, _s.ApiUrl(i), env, log, ct);
    }

    private async Task<ChildProcess> StartServiceAsync(string name, string dll, Uri url, Dictionary<string, string> env, string log, CancellationToken ct)
    {
        string urls = url.GetLeftPart(UriPartial.Authority);
        ChildProcess process = ChildProcess.Start("dotnet", [dll, "--urls", urls], env, _root, log);
        try
        {
            await process.WaitReadyAsync(new Uri(url, "/healthz"), ReadyTimeout, ct);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            await process.DisposeAsync();
            throw new InvalidOperationException($"{name} did not become ready at {urls}: {ex.Message} ({log})", ex);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        Console.WriteLine($"{name} ready: {urls} (pid {process.Pid}, log {log})");
        return process;
    }

    /// <summary>SIGTERM after its spool has drained (bounded); the spool folder goes only when it is empty, as in <c>load -- ingest</c>.</summary>
    private async Task StopIngestAsync(int i)
    {
        ChildProcess? ingest = _ingest[i];
        if (ingest is null) return;
        using var control = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        ServerMetrics last = ServerMetrics.Empty;
        for (int tries = 0; tries < 20 && !ingest.HasExited; tries++)
        {
            last = await ServerMetrics.ScrapeAsync(control, new Uri(_s.IngestUrl(i), "/metrics"), CancellationToken.None);
            if (last.IsEmpty || last.SpoolBacklogBytes == 0) break;
            await Task.Delay(500);
        }
        await StopAsync(_ingest, i);
        string spool = SpoolDirectory(i);
        if (!last.IsEmpty && last.SpoolBacklogBytes == 0 && Directory.Exists(spool)) Directory.Delete(spool, recursive: true);
        else if (Directory.Exists(spool))
        {
            string backlog = last.IsEmpty ? "its backlog unknown (no /metrics answer)" : $"a spool backlog of {last.SpoolBacklogBytes} bytes";
            Console.WriteLine($"Ingest {Name(i)} stopped with {backlog}: kept {spool}");
        }
    }

    private static async Task StopAsync(ChildProcess?[] processes, int i)
    {
        if (processes[i] is not { } process) return;
        processes[i] = null;
        await process.DisposeAsync();
    }

    private string SpoolDirectory(int i) => Path.Combine(_outDir, $"spool-{Name(i).ToLowerInvariant()}");

    private async Task<string> RunScriptAsync(string verb, CancellationToken ct)
    {
        string script = Path.Combine(_root, "load", "scale-out-servers.sh");
        string log = Path.Combine(_outDir, $"servers-{verb}.log");
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["VPNPERF_REDIS_CLUSTER_PORT"] = _s.RedisClusterPort.ToString(CultureInfo.InvariantCulture),
            ["VPNPERF_CH_SHARD_HTTP_PORT"] = _s.ClickHouseShardHttpPort.ToString(CultureInfo.InvariantCulture),
            ["VPNPERF_CH_SHARD_TCP_PORT"] = _s.ClickHouseShardTcpPort.ToString(CultureInfo.InvariantCulture),
        };
        int code;
        await using (ChildProcess run = ChildProcess.Start("bash", [script, verb, ServersDirectory], env, _root, log))
        {
            using CancellationTokenRegistration stop = ct.Register(static p => _ = ((ChildProcess)p!).KillAsync(), run);
            code = await run.WaitForExitAsync(ScriptTimeout);
        }
        string output = await File.ReadAllTextAsync(log, CancellationToken.None);
        ct.ThrowIfCancellationRequested();
        if (code != 0) throw new InvalidOperationException($"`{script} {verb}` exited with {code}:\n{output.Trim()}");
        return output;
    }

    /// <summary>The value of a <c>key=value</c> line the script printed.</summary>
    private static string Setting(string output, string key)
    {
        foreach (string line in output.Split('\n'))
        {
            if (line.StartsWith(key + "=", StringComparison.Ordinal)) return line[(key.Length + 1)..].Trim();
        }
        throw new InvalidOperationException($"load/scale-out-servers.sh printed no {key}= line:\n{output.Trim()}");
    }

    /// <summary>Refuses to start over something already listening: the run would measure, kill or reshard someone else's server.</summary>
    private async Task CheckPortsFreeAsync(CancellationToken ct)
    {
        var ports = new List<(int Port, string What)>();
        for (int i = 0; i < 2; i++)
        {
            ports.Add((_s.IngestUrl(i).Port, $"Ingest {Name(i)} (--port-base, {ScaleOutSettings.PortBaseVariable})"));
            ports.Add((_s.ApiUrl(i).Port, $"Api {Name(i)} (--port-base + 10, {ScaleOutSettings.PortBaseVariable})"));
        }
        for (int p = _s.RedisClusterPort; p < _s.RedisClusterPort + 3; p++)
        {
            ports.Add((p, "a Redis Cluster node (VPNPERF_REDIS_CLUSTER_PORT)"));
            ports.Add((p - 10000, "a Redis Cluster node's bus (VPNPERF_REDIS_CLUSTER_PORT - 10000)"));
        }
        for (int i = 0; i < 2; i++)
        {
            ports.Add((_s.ClickHouseShardHttpPort + i, "a ClickHouse shard's HTTP (VPNPERF_CH_SHARD_HTTP_PORT)"));
            ports.Add((_s.ClickHouseShardTcpPort + i, "a ClickHouse shard's TCP (VPNPERF_CH_SHARD_TCP_PORT)"));
        }
        foreach ((int port, string what) in ports)
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
            {
                continue;
            }
            throw new InvalidOperationException($"127.0.0.1:{port}, the port of {what}, is in use: the run starts its own server there. " +
                "Stop what listens (a server left running by an earlier run?) or choose other ports.");
        }
    }
}
