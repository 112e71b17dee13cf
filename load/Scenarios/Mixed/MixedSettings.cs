using System.Globalization;
using Vpn.Perf.Load.Scenarios.Api;

namespace Vpn.Perf.Load.Scenarios.Mixed;

/// <summary>
/// The command line of <c>load -- mixed</c>: an ingest part and a config part, each parsed by its own scenario's parser
/// (so every default, limit and check is the same as when the part runs alone). Options the two share by name are
/// renamed here (<c>--ingest-target</c>, <c>--batch-rate</c>, <c>--config-subscriptions</c> ...); the timeline options
/// go to both.
/// </summary>
internal sealed class MixedSettings
{
    private MixedSettings(IngestSettings ingest, ApiLoadSettings config)
    {
        Ingest = ingest;
        Config = config;
    }

    public IngestSettings Ingest { get; }

    public ApiLoadSettings Config { get; }

    public bool Reference { get; private set; }
    public int ReferencePort { get; private set; } = 5490;
    public string OutDirectory { get; private set; } = "";

    public static string Usage => """
        load -- mixed [options]   Ingest batches and config fetches at once, each part against its own service
          --ingest-target URL       Ingest base address (http://127.0.0.1:5280)
          --api-target URL          Api base address (http://127.0.0.1:5380)
          --start-ingest            start the Release Ingest on --ingest-target's port (as `ingest --start-ingest`)
          --start-api               create, migrate and seed --database and start the Release Api (as `config --start-api`)
          --duration T, --warmup T  the one window of both parts (30s, 10s)
          --reference               the same mixed load first against one bare Kestrel server serving both
                                    /v1/reports (drained) and /s/{token} (a body of the Api's config size)
          --reference-port P        its port (5490)
          --verify                  ingest part: check Redis counters and ClickHouse rows at the end (as `ingest --verify`)
          --timeout T, --seed N     per request; random seed
          --out DIR                 results.md, results.json and logs (load/reports/<time>-mixed)
        ingest part (as `load -- ingest`):
          --nodes N, --reports-per-batch N, --subscriptions N, --inbounds N, --mix zipf|uniform, --gzip, --limits,
          --buckets N, --variants N, --max-retries N, --ingest-dll PATH
          --batch-rate N            open model: batches/s (ingest's --rate)
          --ingest-concurrency N    closed model: batches in flight (ingest's --concurrency; default = nodes)
        config part (as `load -- config`):
          --config-subscriptions N  seeded subscriptions fetched round robin (config's --subscriptions, 2000)
          --config-inbounds K       inbounds linked to each (config's --inbounds, 6)
          --if-none-match F, --clients N, --database NAME, --postgres CONN, --api-dll PATH, --verbose-api
          --fetch-rate N            open model: fetches/s (config's --rate)
          --fetch-concurrency N     closed model: fetches in flight (config's --concurrency, 32)
        """;

    public static MixedSettings Parse(string[] args)
    {
        var ingest = new List<string>();
        var config = new List<string>();
        bool reference = false;
        int referencePort = 5490;
        string outDirectory = "";
        bool durationGiven = false, warmupGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value.");
            switch (a)
            {
                case "--duration" or "--warmup" or "--timeout" or "--seed":
                    durationGiven |= a == "--duration";
                    warmupGiven |= a == "--warmup";
                    string value = Next();
                    ingest.AddRange([a, value]);
                    config.AddRange([a, value]);
                    break;
                case "--reference": reference = true; break;
                case "--reference-port": referencePort = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": outDirectory = Next(); break;
                case "--ingest-target": ingest.AddRange(["--target", Next()]); break;
                case "--batch-rate": ingest.AddRange(["--rate", Next()]); break;
                case "--ingest-concurrency": ingest.AddRange(["--concurrency", Next()]); break;
                case "--nodes" or "--reports-per-batch" or "--subscriptions" or "--inbounds" or "--mix" or "--buckets" or "--variants" or "--max-retries"
                    or "--ingest-dll":
                    ingest.AddRange([a, Next()]);
                    break;
                case "--gzip" or "--limits" or "--verify" or "--start-ingest": ingest.Add(a); break;
                case "--api-target": config.AddRange(["--target", Next()]); break;
                case "--fetch-rate": config.AddRange(["--rate", Next()]); break;
                case "--fetch-concurrency": config.AddRange(["--concurrency", Next()]); break;
                case "--config-subscriptions": config.AddRange(["--subscriptions", Next()]); break;
                case "--config-inbounds": config.AddRange(["--inbounds", Next()]); break;
                case "--if-none-match" or "--clients" or "--database" or "--postgres" or "--api-dll": config.AddRange([a, Next()]); break;
                case "--start-api" or "--verbose-api": config.Add(a); break;
                default: throw new ArgumentException($"Unknown option {a} for mixed.\n{Usage}");
            }
        }
        // The two parsers have different defaults; both parts must share one window.
        if (!durationGiven)
        {
            ingest.AddRange(["--duration", "30s"]);
            config.AddRange(["--duration", "30s"]);
        }
        if (!warmupGiven)
        {
            ingest.AddRange(["--warmup", "10s"]);
            config.AddRange(["--warmup", "10s"]);
        }
        if (referencePort <= 0) throw new ArgumentException("--reference-port must be positive.");
        var s = new MixedSettings(IngestSettings.Parse([.. ingest]), ApiLoadSettings.Parse(ApiScenarioKind.Config, [.. config]))
        {
            Reference = reference,
            ReferencePort = referencePort,
            OutDirectory = outDirectory.Length > 0
                ? outDirectory
                : Path.Combine("load", "reports", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-mixed"),
        };
        if (s.Ingest.Target.Port == s.Config.Target.Port) throw new ArgumentException("--ingest-target and --api-target need different ports.");
        if (reference && (s.ReferencePort == s.Ingest.Target.Port || s.ReferencePort == s.Config.Target.Port))
        {
            throw new ArgumentException("--reference-port must differ from both targets' ports.");
        }
        return s;
    }
}
