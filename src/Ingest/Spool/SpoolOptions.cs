namespace Vpn.Perf.Ingest.Spool;

/// <summary>Settings of the durable local spool (see <see cref="DurableSpool"/>).</summary>
internal sealed class SpoolOptions
{
    /// <summary>Directory holding the segment files, the checkpoint and the lock file. Created if missing.</summary>
    public required string Directory { get; init; }

    /// <summary>A segment is sealed and a new one started once the next record would take it past this size.
    /// A single record larger than this still gets written (alone) into one segment.</summary>
    public long SegmentBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Appends report <see cref="SpoolAppendStatus.Full"/> once this many record bytes are appended but not yet
    /// committed by the consumer. It is a soft cap: concurrent appenders can overshoot it by one record each.</summary>
    public long MaxBacklogBytes { get; init; } = 1L * 1024 * 1024 * 1024;

    /// <summary>Once this many record bytes wait for the consumer, each group commit asks the kernel to drop the pages
    /// it just made durable from the page cache (<c>POSIX_FADV_DONTNEED</c>): the consumer is then far behind (its
    /// downstream is slow or down) and will not read them for a while, so caching them only takes memory and makes every
    /// further write allocate a fresh page (reclaiming one when memory is full). When the consumer keeps up, the tail it
    /// is about to read stays cached.</summary>
    public long CachedBacklogBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Optional linger before each group commit, so that more appenders share one fsync. Zero (the default)
    /// relies on natural batching: appends arriving while an fsync runs share the next one.</summary>
    public TimeSpan? MaxCommitDelay { get; init; }
}
