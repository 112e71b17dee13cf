using System.Globalization;
using Vpn.Perf.Load.Scenarios;

namespace Vpn.Perf.Load.Suite;

/// <summary>The command line of <c>load -- suite</c>.</summary>
internal sealed class SuiteSettings
{
    /// <summary>Moves the suite's three ports to P, P+1, P+2 (e.g. several suites on one machine); the scale-out part has its own.</summary>
    public const string PortBaseVariable = "VPNPERF_SUITE_PORT";

    private static readonly int? PortBase =
        Environment.GetEnvironmentVariable(PortBaseVariable) is { Length: > 0 } p ? int.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture) : null;

    /// <summary>Ports of the suite's own servers: apart from the scenarios' defaults, so a developer's running Ingest or Api is left alone.</summary>
    public static readonly int IngestPort = PortBase ?? 5481;
    public static readonly int ApiPort = PortBase + 1 ?? 5581;
    public static readonly int ReferencePort = PortBase + 2 ?? 5491;

    /// <summary>The suite's own database (dropped and recreated by each Api part; the name must start with vpnperf_load).</summary>
    public const string Database = "vpnperf_load_suite";

    public string OutDirectory { get; private set; } = "";

    /// <summary>Measured time of each part (after its warm-up).</summary>
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(20);

    /// <summary>Overrides every part's own warm-up (see <see cref="SuitePart.Warmup"/>); null keeps them.</summary>
    public TimeSpan? Warmup { get; private set; }

    /// <summary>Also send the HTTP-path part's spool to ClickHouse and verify it (about five more minutes).</summary>
    public bool VerifyAll { get; private set; }

    /// <summary>Parts to run, by name; empty = all.</summary>
    public IReadOnlyList<string> Only { get; private set; } = [];

    public static string Usage => """
        load -- suite [options]   the standard set, one part after another, then one summary (see load/README.md)
          --out DIR                 summary.md, summary.json and one folder per part (load/reports/<time>-suite)
          --duration T              measured time of each part (20s)
          --warmup T                every part's warm-up (default per part: 25s with Ingest, 15s HTTP path, 10s config, 5s login)
          --verify-all              also send the HTTP-path part's spool to ClickHouse and verify it (~5 more minutes)
          --only A,B                run only these parts: ingest-closed, ingest-http, config-200, config-200-hwid, config-304, login, mixed, scale-out
        Servers are started on 127.0.0.1:5481 (Ingest), :5581 (Api), :5491 (reference), or P, P+1, P+2 with VPNPERF_SUITE_PORT=P;
        database vpnperf_load_suite. The scale-out
        part starts its own (load -- scale-out: ports from VPNPERF_SCALEOUT_PORT and VPNPERF_REDIS_CLUSTER_PORT).
        """;

    public static SuiteSettings Parse(string[] args)
    {
        var s = new SuiteSettings();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value.");
            switch (a)
            {
                case "--out": s.OutDirectory = Next(); break;
                case "--duration": s.Duration = IngestSettings.ParseDuration(a, Next()); break;
                case "--warmup": s.Warmup = IngestSettings.ParseDuration(a, Next()); break;
                case "--verify-all": s.VerifyAll = true; break;
                case "--only": s.Only = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                default: throw new ArgumentException($"Unknown option {a} for suite.\n{Usage}");
            }
        }
        if (s.Duration < TimeSpan.FromSeconds(1) || s.Duration > TimeSpan.FromMinutes(10)) throw new ArgumentException("--duration must be between 1s and 10m.");
        foreach (string name in s.Only)
        {
            if (!SuitePart.Standard.Any(p => p.Name == name))
            {
                throw new ArgumentException($"--only: no part named {name}; parts: {string.Join(", ", SuitePart.Standard.Select(static p => p.Name))}.");
            }
        }
        if (s.OutDirectory.Length == 0)
        {
            s.OutDirectory = Path.Combine("load", "reports", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-suite");
        }
        return s;
    }
}
