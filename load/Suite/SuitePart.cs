using System.Globalization;
using Vpn.Perf.Load.Scenarios;

namespace Vpn.Perf.Load.Suite;

/// <summary>Which report a part writes, hence how its figures are read back.</summary>
internal enum SuitePartKind
{
    Ingest = 0,
    Config = 1,
    Login = 2,
    Mixed = 3,
}

/// <summary>
/// One run of the standard suite: a scenario command line (without the timeline and output options, which the suite
/// adds), and its warm-up. Warm-ups were chosen by measuring on the project's 2-core VM (2026-11-22, busy with other
/// sessions' builds): Ingest's CPU per batch falls from 1.6 ms to 0.55 ms over the first 20-25 s of load as tiered
/// compilation moves the hot path to tier 1, then stays flat; the HTTP path alone (access-only batches, ~20 times as
/// many requests a second) reaches its plateau in 12-13 s; the Api's config path within about 10 s of load (its cache
/// priming runs first); login is bcrypt, whose cost the JIT does not change.
/// <para>
/// The HTTP-path part spools ~5 GB in a window; sending that to ClickHouse and verifying it takes about five minutes
/// here, so by default the spool is discarded (the full path is verified by the ingest-closed and mixed parts);
/// <c>--verify-all</c> sends and verifies it too.
/// </para>
/// </summary>
internal sealed record SuitePart(string Name, SuitePartKind Kind, string What, TimeSpan Warmup, string[] Args)
{
    private static readonly string IngestTarget = $"http://127.0.0.1:{SuiteSettings.IngestPort}";
    private static readonly string ApiTarget = $"http://127.0.0.1:{SuiteSettings.ApiPort}";
    private static readonly string ReferencePort = SuiteSettings.ReferencePort.ToString(CultureInfo.InvariantCulture);
    private static readonly TimeSpan IngestWarmup = TimeSpan.FromSeconds(25);
    private static readonly TimeSpan HttpPathWarmup = TimeSpan.FromSeconds(15);
    private const string DiscardSpool = "--discard-spool";
    private static readonly TimeSpan ConfigWarmup = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LoginWarmup = TimeSpan.FromSeconds(5);

    public static IReadOnlyList<SuitePart> Standard { get; } =
    [
        new("ingest-closed", SuitePartKind.Ingest,
            "Ingest end to end, closed model: 32 nodes x 1 batch of 250 reports in flight, 20 000 subscriptions (Zipf); verified byte for byte; " +
            $"redis-benchmark HINCRBY -P 128 on the same Redis between the reference and Ingest, the faster of {HincrbyCeiling.Runs} runs (the counter ceiling)",
            IngestWarmup,
            ["ingest", "--target", IngestTarget, "--reference-port", ReferencePort, "--nodes", "32", "--concurrency", "32", "--reports-per-batch", "250",
             "--subscriptions", "20000", "--start-ingest", "--reference", "--hincrby-ceiling", "--verify"]),
        new("ingest-uniform", SuitePartKind.Ingest,
            "As ingest-closed with uniform subscription popularity (every subscription as likely: no hot hashes in Redis); the Redis stage's CPU " +
            "per report beside redis-benchmark's per HINCRBY",
            IngestWarmup,
            ["ingest", "--target", IngestTarget, "--reference-port", ReferencePort, "--nodes", "32", "--concurrency", "32", "--reports-per-batch", "250",
             "--subscriptions", "20000", "--mix", "uniform", "--start-ingest", "--reference", "--hincrby-ceiling", "--verify"]),
        new("ingest-http", SuitePartKind.Ingest,
            "Ingest HTTP path (auth, decode, durable spool append, answer; no Redis stage, ClickHouse unreachable during the run): " +
            "256 nodes x 1 batch of ~150 access events in flight; the spool is then discarded unsent (`--verify-all`: sent to ClickHouse and verified); " +
            "the reference also once more appending each body to a file and answering after its fdatasync (the ceiling of durable acceptance), " +
            "and once more decoding and checking each body with Ingest's codec before that (the ceiling of validated durable acceptance)",
            HttpPathWarmup,
            ["ingest", "--target", IngestTarget, "--reference-port", ReferencePort, "--nodes", "256", "--reports-per-batch", "250",
             "--subscriptions", "20000", "--access-only", "--start-ingest", "--clickhouse-later", "--reference", "--reference-durable", "--reference-validating", DiscardSpool]),
        new("config-200", SuitePartKind.Config,
            "Api config fetch, warm cache, no If-None-Match (200, full body): 64 clients, 32 in flight, 2 000 subscriptions x 6 inbounds; " +
            "the reference also once more reading one Redis key per request (the ceiling of a server that reads live usage per fetch)",
            ConfigWarmup,
            ["config", "--target", ApiTarget, "--reference-port", ReferencePort, "--start-api", "--database", SuiteSettings.Database,
             "--subscriptions", "2000", "--inbounds", "6", "--if-none-match", "0", "--reference", "--reference-redis-read"]),
        new("config-200-hwid", SuitePartKind.Config,
            "As config-200, and every fetch sends x-hwid and the device headers (one registered device per subscription: the known-device check)",
            ConfigWarmup,
            ["config", "--target", ApiTarget, "--reference-port", ReferencePort, "--start-api", "--database", SuiteSettings.Database,
             "--subscriptions", "2000", "--inbounds", "6", "--if-none-match", "0", "--hwid", "--reference"]),
        ConfigFormatPart("config-mihomo", "mihomo", "mihomo YAML"),
        ConfigFormatPart("config-xray", "xray", "Xray JSON (one full client config per proxy the format can express: 4 of the 6)"),
        ConfigFormatPart("config-links", "links", "the base64 share-link list"),
        ConfigFormatPart("config-links-plain", "links-plain", "the share-link list as plain text"),
        new("config-wireguard", SuitePartKind.Config,
            "As config-200, fetching the wg-quick .conf: /s/{token}/wireguard, 2 000 subscriptions each with its peer on one WireGuard inbound",
            ConfigWarmup,
            ["config", "--target", ApiTarget, "--reference-port", ReferencePort, "--start-api", "--database", SuiteSettings.Database,
             "--subscriptions", "2000", "--if-none-match", "0", "--format", "wireguard", "--reference"]),
        new("config-304", SuitePartKind.Config,
            "Api config fetch, warm cache, every fetch with If-None-Match (304, no body): same load",
            ConfigWarmup,
            ["config", "--target", ApiTarget, "--reference-port", ReferencePort, "--start-api", "--database", SuiteSettings.Database,
             "--subscriptions", "2000", "--inbounds", "6", "--if-none-match", "1", "--reference", "--reference-redis-read"]),
        new("login", SuitePartKind.Login,
            "Api login, bcrypt cost 12: 16 users in turn, 2 in flight",
            LoginWarmup,
            ["login", "--target", ApiTarget, "--start-api", "--database", SuiteSettings.Database, "--users", "16", "--concurrency", "2"]),
        new("mixed", SuitePartKind.Mixed,
            "Ingest closed model (32 nodes) and config fetches at a constant 1 000/s (open model, 64 clients) at once; ingest verified",
            IngestWarmup,
            ["mixed", "--ingest-target", IngestTarget, "--api-target", ApiTarget, "--reference-port", ReferencePort, "--start-ingest", "--start-api",
             "--database", SuiteSettings.Database, "--nodes", "32", "--reports-per-batch", "250", "--subscriptions", "20000",
             "--config-subscriptions", "2000", "--config-inbounds", "6", "--fetch-rate", "1000", "--reference", "--verify"]),
        new("scale-out", SuitePartKind.Ingest,
            "The scale-out topology on loopback (2 Ingest, a Redis Cluster of 3 masters, 2 Api on one Postgres): 32 nodes x 1 batch of 250 reports " +
            "spread over both Ingest instances; mid-window one Ingest is SIGKILLed and restarted on its spool, the busiest bucket's Redis slot moves " +
            "to another master, and the Api caches are checked across instances; verified byte for byte (no reference: its ports are its own)",
            IngestWarmup,
            ["scale-out", "--nodes", "32", "--reports-per-batch", "250", "--subscriptions", "20000", "--verify"]),
    ];

    /// <summary>As config-200 (which fetches sing-box JSON), in another client format named in the path.</summary>
    private static SuitePart ConfigFormatPart(string name, string format, string what) => new(name, SuitePartKind.Config,
        $"As config-200, fetching {what}: /s/{{token}}/{format}",
        ConfigWarmup,
        ["config", "--target", ApiTarget, "--reference-port", ReferencePort, "--start-api", "--database", SuiteSettings.Database,
         "--subscriptions", "2000", "--inbounds", "6", "--if-none-match", "0", "--format", format, "--reference"]);

    /// <summary>The full scenario command line of this part in a suite run.</summary>
    public string[] CommandArgs(SuiteSettings s, string outDirectory)
        => [.. Args.Select(a => a == DiscardSpool && s.VerifyAll ? "--verify" : a),
            "--duration", Seconds(s.Duration), "--warmup", Seconds(s.Warmup ?? Warmup), "--out", outDirectory];

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
