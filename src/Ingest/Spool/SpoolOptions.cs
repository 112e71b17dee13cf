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

    /// <summary>Optional linger before each group commit, so that more appenders share one fsync. Zero (the default)
    /// relies on natural batching: appends arriving while an fsync runs share the next one.</summary>
    public TimeSpan? MaxCommitDelay { get; init; }
}
