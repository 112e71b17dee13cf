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

    /// <summary>Largest request body as sent (compressed or not).</summary>
    public int MaxRequestBodyBytes { get; set; } = 4 << 20;

    /// <summary>
    /// Report requests processed at once; beyond it Ingest answers 429 with Retry-After at once instead of holding
    /// ever more bodies in memory. Nodes send one batch at a time, so this is roughly the node count it can absorb.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 4096;

    /// <summary>Seconds a client is told to wait in Retry-After when Ingest is overloaded.</summary>
    public int RetryAfterSeconds { get; set; } = 2;

    /// <summary>Longest time a node token or subscription state is served from memory without asking Redis.</summary>
    public TimeSpan CacheMaxAge { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How often the change feed is read (invalidations reach caches within this).</summary>
    public TimeSpan ChangeFeedInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>ClickHouse flush thresholds: whichever comes first.</summary>
    public int FlushRows { get; set; } = 100_000;

    public int FlushBytes { get; set; } = 32 << 20;

    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);
}
