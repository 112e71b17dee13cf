namespace Vpn.Perf.Ingest.Spool;

/// <summary>Outcome of <see cref="DurableSpool.AppendAsync(Guid, ulong, long, System.Buffers.ReadOnlySequence{byte}, ReadOnlySpan{byte}, CancellationToken)"/>. Values are explicit and never renumbered.</summary>
internal enum SpoolAppendStatus
{
    /// <summary>The record is on disk and fsynced: the batch may be acknowledged.</summary>
    Appended = 0,

    /// <summary>The backlog reached <see cref="SpoolOptions.MaxBacklogBytes"/>; nothing was written. Answer 503 with Retry-After.</summary>
    Full = 1,

    /// <summary>An earlier write or fsync failed, so the spool no longer accepts data until restarted; nothing was written.
    /// Answer 503. (After a failed fsync the page cache state is unknown, so retrying on the same file is not safe.)</summary>
    Faulted = 2,
}
