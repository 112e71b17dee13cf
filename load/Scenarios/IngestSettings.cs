using System.Globalization;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>How subscriptions are picked for reports.</summary>
internal enum SubscriptionMix
{
    /// <summary>Zipf-like (s = 1): a few heavy users, a long tail; what operators see.</summary>
    Zipf = 0,
    Uniform = 1,
}

/// <summary>The command line of <c>load -- ingest</c>.</summary>
internal sealed class IngestSettings
{
    public Uri Target { get; private set; } = new("http://127.0.0.1:5280");
    public int Nodes { get; private set; } = 32;
    public int ReportsPerBatch { get; private set; } = 250;
    public int Subscriptions { get; private set; } = 20_000;
    public int InboundsPerNode { get; private set; } = 3;
    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(60);
    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(10);

    /// <summary>Open model: batches per second across all nodes; null = closed model.</summary>
    public double? Rate { get; private set; }

    /// <summary>Closed model: batches in flight (at most one per node); defaults to the node count.</summary>
    public int Concurrency { get; private set; }

    public bool Gzip { get; private set; }
    public bool Reference { get; private set; }

    /// <summary>After the bare reference, the same load against it once more appending each body durably (the ceiling of the HTTP path).</summary>
    public bool ReferenceDurable { get; private set; }

    /// <summary>Then once more, the durable reference also decoding and checking each body (the ceiling of the validated HTTP path).</summary>
    public bool ReferenceValidating { get; private set; }

    public bool Verify { get; private set; }
    public bool Limits { get; private set; }

    /// <summary>
    /// Batches of access events only, no reports, about as large as the report batches: the request path (auth,
    /// decode, spool, answer) and the ClickHouse sink without the Redis stage, for the HTTP-path ratio.
    /// </summary>
    public bool AccessOnly { get; private set; }
    public bool StartIngest { get; private set; }

    /// <summary>
    /// With <see cref="StartIngest"/>: Ingest runs the measured window with ClickHouse unreachable, so the figure is the
    /// HTTP path and durable acceptance alone (the sink waits, the spool holds everything); then it is restarted on the
    /// same spool with the real ClickHouse, which must receive every row (checked with <see cref="Verify"/>).
    /// </summary>
    public bool ClickHouseLater { get; private set; }

    /// <summary>
    /// With <see cref="ClickHouseLater"/> and without <see cref="Verify"/>: after the window Ingest is stopped and the run's
    /// own spool deleted instead of being sent to ClickHouse, which takes minutes for a window's worth of batches (the
    /// HTTP-path figure alone, e.g. in the suite). Nothing of the run reaches ClickHouse, and nothing is verified.
    /// </summary>
    public bool DiscardSpool { get; private set; }
    public SubscriptionMix Mix { get; private set; } = SubscriptionMix.Zipf;

    /// <summary>Between the reference and the services: <c>redis-benchmark</c> HINCRBY <c>-P 128</c> on the run's Redis, the counter ceiling.</summary>
    public bool HincrbyCeiling { get; private set; }

    /// <summary>Pre-encoded bodies per node; each send patches seq, sent_at and event ids into one of them.</summary>
    public int VariantsPerNode { get; private set; } = 8;

    /// <summary>Ingest's Redis key buckets (Ingest:BucketCount): passed to a started Ingest, used for seeding and verifying.</summary>
    public int BucketCount { get; private set; } = Shared.Contracts.Buckets.DefaultCount;

    public int MaxRetries { get; private set; } = 10;
    public TimeSpan RequestTimeout { get; private set; } = TimeSpan.FromSeconds(30);
    public int ReferencePort { get; private set; } = 5290;
    public string OutDirectory { get; private set; } = "";
    public string? IngestDll { get; private set; }
    public int Seed { get; private set; } = Environment.TickCount;

    public string RedisConnection { get; } = Environment.GetEnvironmentVariable("ConnectionStrings__Redis") ?? "redis://127.0.0.1:56379";

    public string ClickHouseConnection { get; } =
        Environment.GetEnvironmentVariable("ConnectionStrings__ClickHouse") ?? "http://default@127.0.0.1:58123/vpnperf";

    public bool OpenModel => Rate is not null;

    public static string Usage => """
        load -- ingest [options]
          --target URL              Ingest base address (http://127.0.0.1:5280); loopback only
          --nodes N                 simulated node exporters, one batch in flight each (32)
          --reports-per-batch N     reports per batch (250)
          --subscriptions N         distinct subscription ids, fresh per run (20000)
          --inbounds N              inbounds per node (3)
          --mix zipf|uniform        subscription popularity (zipf)
          --duration T              measured time after warm-up, e.g. 60s, 2m (60s)
          --warmup T                excluded from results (10s)
          --rate N                  open model: batches/s, constant arrival, latency from intended start
          --concurrency N           closed model: batches in flight (default = nodes; at most nodes)
          --gzip                    send Content-Encoding: gzip (compressed per send: costs generator CPU)
          --limits                  seed subscription states with max_traffic (some get cut off)
          --access-only             batches of ~0.6 x reports-per-batch access events and no reports: the
                                    HTTP path (auth, decode, durable acceptance) without the Redis stage
          --reference               also run the same load against the bare Kestrel reference server
          --reference-port P        its port (5290)
          --reference-durable       then the same load against the reference once more, which now answers each batch
                                    only once its body is appended to a file and fdatasync'ed (group commit): the
                                    ceiling of any server that acknowledges durably
          --reference-validating    then once more, the durable reference also decoding and checking each body with
                                    Ingest's codec before appending it: the ceiling of any server that acknowledges
                                    only well-formed batches, durably
          --hincrby-ceiling         before the services: redis-benchmark -P 128 HINCRBY on the run's Redis (one server),
                                    reported beside reports/s and Redis CPU per report (the counter ceiling)
          --verify                  check Redis counters and ClickHouse rows against what was sent
          --start-ingest            start the Release Ingest on --target's port, fresh spool, stop it at the end
          --clickhouse-later        with --start-ingest: measure with ClickHouse unreachable (HTTP path and spool
                                    alone), then restart Ingest on the same spool with ClickHouse and verify
          --discard-spool           with --clickhouse-later, without --verify: stop Ingest after the window and delete
                                    the run's spool instead of sending it to ClickHouse (nothing is verified)
          --ingest-dll PATH         Ingest dll for --start-ingest (artifacts/bin/Vpn.Perf.Ingest/release/...)
          --buckets N               Ingest's Redis key buckets (Ingest:BucketCount, default 16); must match a running Ingest
          --variants N              pre-encoded bodies per node (8)
          --max-retries N           retries of one batch (same seq) before giving up (10)
          --timeout T               per request (30s)
          --seed N                  random seed for the payload mix
          --out DIR                 results.md, results.json and logs (load/reports/<time>-ingest)
        """;

    public static IngestSettings Parse(string[] args)
    {
        var s = new IngestSettings();
        bool concurrencyGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{a} needs a value.");
            switch (a)
            {
                case "--target": s.Target = new Uri(Next()); break;
                case "--nodes": s.Nodes = PositiveInt(a, Next()); break;
                case "--reports-per-batch": s.ReportsPerBatch = PositiveInt(a, Next()); break;
                case "--subscriptions": s.Subscriptions = PositiveInt(a, Next()); break;
                case "--inbounds": s.InboundsPerNode = PositiveInt(a, Next()); break;
                case "--mix": s.Mix = Enum.Parse<SubscriptionMix>(Next(), ignoreCase: true); break;
                case "--duration": s.Duration = ParseDuration(a, Next()); break;
                case "--warmup": s.Warmup = ParseDuration(a, Next()); break;
                case "--rate": s.Rate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--concurrency": s.Concurrency = PositiveInt(a, Next()); concurrencyGiven = true; break;
                case "--gzip": s.Gzip = true; break;
                case "--hincrby-ceiling": s.HincrbyCeiling = true; break;
                case "--limits": s.Limits = true; break;
                case "--access-only": s.AccessOnly = true; break;
                case "--reference": s.Reference = true; break;
                case "--reference-durable": s.ReferenceDurable = true; break;
                case "--reference-validating": s.ReferenceValidating = true; break;
                case "--reference-port": s.ReferencePort = PositiveInt(a, Next()); break;
                case "--verify": s.Verify = true; break;
                case "--start-ingest": s.StartIngest = true; break;
                case "--clickhouse-later": s.ClickHouseLater = true; break;
                case "--discard-spool": s.DiscardSpool = true; break;
                case "--ingest-dll": s.IngestDll = Next(); break;
                case "--buckets": s.BucketCount = PositiveInt(a, Next()); break;
                case "--variants": s.VariantsPerNode = PositiveInt(a, Next()); break;
                case "--max-retries": s.MaxRetries = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--timeout": s.RequestTimeout = ParseDuration(a, Next()); break;
                case "--seed": s.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--out": s.OutDirectory = Next(); break;
                default: throw new ArgumentException($"Unknown option {a}.\n{Usage}");
            }
        }
        if (s.ClickHouseLater && !s.StartIngest) throw new ArgumentException("--clickhouse-later needs --start-ingest.");
        if (s.DiscardSpool && (!s.ClickHouseLater || s.Verify)) throw new ArgumentException("--discard-spool is for --clickhouse-later without --verify.");
        if (s.Rate is <= 0) throw new ArgumentException("--rate must be positive.");
        if (s.Rate is not null && concurrencyGiven) throw new ArgumentException("Give --rate (open model) or --concurrency (closed model), not both.");
        if (!s.Target.IsLoopback) throw new ArgumentException("--target must be a loopback address: this tool only sends to 127.0.0.1.");
        if (s.ReportsPerBatch > Shared.Limits.MaxReportsPerBatch) throw new ArgumentException($"--reports-per-batch is at most {Shared.Limits.MaxReportsPerBatch}.");
        if (s.Duration <= TimeSpan.Zero || s.Duration > TimeSpan.FromHours(2)) throw new ArgumentException("--duration must be between 1s and 2h.");
        if (s.Warmup < TimeSpan.Zero || s.Warmup > TimeSpan.FromMinutes(10)) throw new ArgumentException("--warmup must be between 0 and 10m.");
        if (s.ReferenceDurable && !s.Reference) throw new ArgumentException("--reference-durable needs --reference (it runs after the bare reference).");
        if (s.ReferenceValidating && !s.Reference) throw new ArgumentException("--reference-validating needs --reference (it runs after the bare reference).");
        // One batch in flight per node (a real exporter's behaviour) caps the useful concurrency at the node count.
        s.Concurrency = concurrencyGiven ? Math.Min(s.Concurrency, s.Nodes) : s.Nodes;
        if (s.OutDirectory.Length == 0)
        {
            s.OutDirectory = Path.Combine("load", "reports", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-ingest");
        }
        return s;
    }

    private static int PositiveInt(string name, string value)
    {
        int n = int.Parse(value, CultureInfo.InvariantCulture);
        return n > 0 ? n : throw new ArgumentException($"{name} must be positive.");
    }

    /// <summary>Parses <c>500ms</c>, <c>60s</c>, <c>2m</c>, <c>1h</c> or a bare number of seconds.</summary>
    public static TimeSpan ParseDuration(string name, string value)
    {
        (string digits, double scale) = value switch
        {
            _ when value.EndsWith("ms", StringComparison.Ordinal) => (value[..^2], 0.001),
            _ when value.EndsWith('s') => (value[..^1], 1),
            _ when value.EndsWith('m') => (value[..^1], 60),
            _ when value.EndsWith('h') => (value[..^1], 3600),
            _ => (value, 1),
        };
        return double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out double n) && n >= 0
            ? TimeSpan.FromSeconds(n * scale)
            : throw new ArgumentException($"{name}: '{value}' is not a duration such as 500ms, 60s or 2m.");
    }
}
