using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest;

/// <summary>Settings of the <c>Ingest</c> configuration section (env <c>Ingest__Name</c>).</summary>
internal sealed class IngestOptions
{
    /// <summary>Redis key buckets; fixed for a deployment's lifetime and equal in Api and Ingest.</summary>
    public int BucketCount { get; set; } = Buckets.DefaultCount;

    /// <summary>Where the durable spool lives.</summary>
    public string SpoolDirectory { get; set; } = ".data/spool";

    /// <summary>Spool backlog (not yet in ClickHouse) at which Ingest answers 503.</summary>
    public long SpoolMaxBacklogBytes { get; set; } = 1L << 30;

    /// <summary>
    /// Time a client has to send the request line and headers (Kestrel's default is 30 s); a node sends them in one
    /// write, so only a slow or hostile client comes near it.
    /// </summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When set, <c>GET /metrics</c> answers only <c>Authorization: Bearer &lt;token&gt;</c> (compared in constant
    /// time); unset (the default), it is open, as fits the default loopback binding.
    /// </summary>
    public string? MetricsToken { get; set; }

    /// <summary>Largest request body as sent (compressed or not).</summary>
    public int MaxRequestBodyBytes { get; set; } = 4 << 20;

    /// <summary>
    /// Report requests processed at once; beyond it Ingest answers 429 with Retry-After at once instead of holding
    /// ever more bodies in memory. Nodes send one batch at a time, so this is roughly the node count it can absorb.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 4096;

    /// <summary>Seconds a client is told to wait in Retry-After when Ingest is overloaded.</summary>
    public int RetryAfterSeconds { get; set; } = 2;

    /// <summary>Longest time a node token is served from memory without asking Redis (the change feed acts sooner).</summary>
    public TimeSpan CacheMaxAge { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Longest time a subscription's state and scope are served from memory without asking Redis, in case a change
    /// notice was lost. Longer than <see cref="CacheMaxAge"/>: every report and access event needs a state, and each
    /// expiry is a read of every active subscription (tens of thousands) where tokens are one per node.
    /// </summary>
    public TimeSpan StateCacheMaxAge { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the change feed is read (invalidations reach caches within this).</summary>
    public TimeSpan ChangeFeedInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The fastest link a report can describe: a report claiming more than this × interval_seconds bits (up + down)
    /// is rejected (not counted, not stored). 100 Gbit/s is above any single proxy node's port today.
    /// </summary>
    public long MaxReportBitsPerSecond { get; set; } = 100_000_000_000;

    /// <summary>Oldest interval_start accepted, before the receive time (a node's backlog after an outage).</summary>
    public TimeSpan ReportWindowBack { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Latest interval_start accepted, after the receive time (clock skew of the node).</summary>
    public TimeSpan ReportWindowAhead { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// ClickHouse flush thresholds: whichever comes first. Each insert becomes new parts (of the table and of every
    /// rollup view) that ClickHouse merges again and again in the background, so fewer, larger inserts cost it far less:
    /// at 250 000 rows/s, inserts every second of up to 100 000 rows had it rewrite each row ~7 times, every 2 s of up to
    /// 500 000 ~3 times (docs/perf.md). The price is history up to 2 s later and a larger encode buffer.
    /// </summary>
    public int FlushRows { get; set; } = 500_000;

    public int FlushBytes { get; set; } = 64 << 20;

    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Lease of the claim a flush takes on its batches before inserting them (several instances may hold the same batch;
    /// docs/ingest.md). It bounds how long another instance waits for a claimer that died and never came back, and must
    /// be at least 6 × the ClickHouse request timeout (checked at startup) so that it outlasts any flush.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(5);
}
