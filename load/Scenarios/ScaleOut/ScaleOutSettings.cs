using System.Globalization;

namespace Vpn.Perf.Load.Scenarios.ScaleOut;

/// <summary>
/// The command line of <c>load -- scale-out</c>. The load's shape (nodes, batches, timeline) is handed to
/// <see cref="IngestSettings"/>, so it is what <c>load -- ingest</c> would send; the ports and servers are this command's own.
/// </summary>
internal sealed class ScaleOutSettings
{
    /// <summary>Where the tool's processes listen unless <c>--port-base</c> says otherwise: Ingest on P and P+1, the Api on P+10 and P+11.</summary>
    public const string PortBaseVariable = "VPNPERF_SCALEOUT_PORT";

    private const int DefaultPortBase = 5680;

    /// <summary>The tool's own database on the shared Postgres, dropped and recreated each run.</summary>
    public const string Database = "vpnperf_load_scaleout";

    public IngestSettings Load { get; private set; } = null!;

    public int PortBase { get; private set; }

    public bool Verify { get; private set; }

    public string OutDirectory => Load.OutDirectory;

    public string? IngestDll { get; private set; }

    public string? ApiDll { get; private set; }

    /// <summary>First port of the Redis Cluster this run starts (servers.sh's variable, the tests' default).</summary>
    public int RedisClusterPort { get; } = PortFromEnvironment("VPNPERF_REDIS_CLUSTER_PORT", 57001);

    /// <summary>The Postgres server the two Api instances share (without a database; <c>LOAD_POSTGRES</c>, as for the Api scenarios).</summary>
    public string PostgresServer { get; } = Environment.GetEnvironmentVariable("LOAD_POSTGRES") ?? "Host=127.0.0.1;Port=55432;Username=postgres";

    /// <summary>HTTP port of the first of the two ClickHouse shards this run starts; the second takes the next (servers.sh's variable).</summary>
    public int ClickHouseShardHttpPort { get; } = PortFromEnvironment("VPNPERF_CH_SHARD_HTTP_PORT", 58131);

    /// <summary>TCP port of the first shard (the Distributed tables talk to the shards over it); the second takes the next.</summary>
    public int ClickHouseShardTcpPort { get; } = PortFromEnvironment("VPNPERF_CH_SHARD_TCP_PORT", 59131);

    public static string Usage => $"""
        load -- scale-out [options]   the whole topology on loopback under verified load, an Ingest killed and a Redis slot moved mid-run
          --duration T              measured time after warm-up (20s)
          --warmup T                excluded from results (10s)
          --verify                  check Redis counters and ClickHouse rows against what was acknowledged
          --nodes N                 simulated node exporters, spread over both Ingest instances (32)
          --subscriptions N         distinct subscription ids, fresh per run (20000)
          --reports-per-batch N     reports per batch (250)
          --port-base P             Ingest on P and P+1, the Api on P+10 and P+11 (${PortBaseVariable}, else {DefaultPortBase})
          --ingest-dll PATH         (artifacts/bin/Vpn.Perf.Ingest/release/Vpn.Perf.Ingest.dll)
          --api-dll PATH            (artifacts/bin/Vpn.Perf.Api/release/Vpn.Perf.Api.dll)
          --seed N                  random seed for the payload mix
          --out DIR                 results.md, results.json, every server's log (load/reports/<time>-scale-out)
        Starts a Redis Cluster on VPNPERF_REDIS_CLUSTER_PORT and the two ports after it (57001) and two ClickHouse shards on
        VPNPERF_CH_SHARD_HTTP_PORT / VPNPERF_CH_SHARD_TCP_PORT and the port after each (58131 / 59131); uses the Postgres of
        LOAD_POSTGRES (database {Database}, dropped and recreated).
        """;

    public static ScaleOutSettings Parse(string[] args)
    {
        var s = new ScaleOutSettings { PortBase = PortFromEnvironment(PortBaseVariable, DefaultPortBase) };
        var load = new List<string> { "--duration", "20s", "--warmup", "10s" };
        bool outGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value.");
            switch (a)
            {
                case "--verify": s.Verify = true; break;
                case "--port-base": s.PortBase = Port(a, Next()); break;
                case "--ingest-dll": s.IngestDll = Next(); break;
                case "--api-dll": s.ApiDll = Next(); break;
                case "--duration" or "--warmup" or "--nodes" or "--subscriptions" or "--reports-per-batch" or "--seed" or "--out":
                    outGiven |= a == "--out";
                    load.AddRange([a, Next()]);
                    break;
                default: throw new ArgumentException($"Unknown option {a} for scale-out.\n{Usage}");
            }
        }
        if (!outGiven)
        {
            load.AddRange(["--out", Path.Combine("load", "reports", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-scale-out")]);
        }
        load.AddRange(["--target", $"http://127.0.0.1:{s.PortBase}"]);
        s.Load = IngestSettings.Parse([.. load]);
        if (s.Load.Nodes < 2) throw new ArgumentException("--nodes must be at least 2: the nodes are spread over both Ingest instances.");
        return s;
    }

    /// <summary>Ingest instance <paramref name="i"/> (0 or 1).</summary>
    public Uri IngestUrl(int i) => new($"http://127.0.0.1:{PortBase + i}");

    /// <summary>Api instance <paramref name="i"/> (0 or 1).</summary>
    public Uri ApiUrl(int i) => new($"http://127.0.0.1:{PortBase + 10 + i}");

    private static int PortFromEnvironment(string variable, int fallback)
        => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? Port(variable, value) : fallback;

    private static int Port(string name, string value)
        => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65524
            ? port
            : throw new ArgumentException($"{name}: '{value}' is not a port (1-65523).");
}
