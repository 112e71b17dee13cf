
namespace Vpn.Perf.Ingest.Spool;

internal static partial class SpoolLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning,
        Message = "Spool: truncated a torn tail in {Path}: {TornBytes} bytes from offset {Offset} dropped ({Reason}); {RecordsKept} records before it kept. These bytes were never acknowledged.")]
    public static partial void TornTailTruncated(ILogger logger, string path, long offset, long tornBytes, string reason, long recordsKept);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning,
        Message = "Spool: segment {Path} had an incomplete header ({Length} bytes) from a crash while it was created; it was re-initialised empty.")]
    public static partial void SegmentReinitialized(ILogger logger, string path, long length);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information,
        Message = "Spool {Id} opened in {Directory}: {SegmentCount} segments, {BacklogRecords} records ({BacklogBytes} bytes) not yet committed, checkpoint {Checkpoint}.")]
    public static partial void Opened(ILogger logger, string directory, Guid id, int segmentCount, long backlogRecords, long backlogBytes, SpoolPosition checkpoint);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Critical,
        Message = "Spool write or fsync failed in {Directory}; the spool refuses further appends until restarted ({PendingRecords} pending appends failed).")]
    public static partial void Faulted(ILogger logger, Exception exception, string directory, int pendingRecords);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information,
        Message = "Spool: removed {Count} segment files behind the checkpoint {Checkpoint} left by an interrupted commit.")]
    public static partial void RemovedStaleSegments(ILogger logger, int count, SpoolPosition checkpoint);
}
