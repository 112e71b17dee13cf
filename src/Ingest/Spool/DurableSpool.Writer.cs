using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;
using Vpn.Perf.Shared.Storage;

namespace Vpn.Perf.Ingest.Spool;

internal sealed partial class DurableSpool
{
    // Each pwritev takes at most IOV_MAX (1024 on Linux) buffers; 512 records stays clear of it.
    private const int MaxBatchRecords = 512;

    private readonly ConcurrentQueue<PendingAppend> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly TaskCompletionSource _writerExited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _writerThread;
    private readonly TimeSpan _linger;

    // Writer-thread state: the active segment, its handle and where the next batch goes.
    private readonly List<PendingAppend> _batch = new(MaxBatchRecords);
    private readonly List<ReadOnlyMemory<byte>> _gather = new(MaxBatchRecords);
    private SafeFileHandle _writeHandle;
    private SegmentState _writeSegment;

    // Page-cache drops (SpoolOptions.CachedBacklogBytes) go in aligned chunks of the largest folio size; below this offset
    // of the write segment they have been done.
    private const long CacheDropChunk = 2L * 1024 * 1024;
    private long _cacheDroppedTo;

    /// <summary>The consumer is far enough behind that what is made durable now should leave the page cache.</summary>
    private bool BacklogOutgrowsCache => Volatile.Read(ref _backlogBytes) > _options.CachedBacklogBytes;
    private long _writeOffset;

    // Hand-off flags; see AppendAsync and WaitForWork for the ordering each relies on.
    private int _entering;
    private int _stopping;
    private int _drainAndStop;
    private int _writerSleeping;
    private Exception? _fault;
    private long _lastSyncMicroseconds;

    /// <summary>Duration of the latest write + fsync, for /metrics.</summary>
    public long LastSyncMicroseconds => Volatile.Read(ref _lastSyncMicroseconds);

    /// <summary>
    /// Appends one record and completes once it is fsynced (group-committed with concurrent appends), returning
    /// <see cref="SpoolAppendStatus.Appended"/> and its position. Returns <see cref="SpoolAppendStatus.Full"/> at once when the
    /// backlog is at its cap, and <see cref="SpoolAppendStatus.Faulted"/> after a disk failure; nothing is written then.
    /// </summary>
    /// <remarks><paramref name="payload"/> is copied before this returns its (pending) ValueTask, so the caller may release
    /// the request buffer right away. <paramref name="ct"/> is honoured before the record is queued; once queued, the append
    /// is no longer cancellable and finishes with the next fsync (a batch retried after a cancelled request is deduplicated
    /// downstream by (node, seq)). The returned ValueTask must be awaited exactly once.</remarks>
    public ValueTask<SpoolAppendResult> AppendAsync(Guid nodeId, ulong seq, long receivedAtMs, ReadOnlySequence<byte> payload, CancellationToken ct)
        => AppendAsync(nodeId, seq, receivedAtMs, payload, default, ct);

    /// <summary>Appends a batch with the verdicts made at its acceptance (a bitmap, empty when all were accepted;
    /// <see cref="SpoolFormat"/>), copied like the payload.</summary>
    public ValueTask<SpoolAppendResult> AppendAsync(Guid nodeId, ulong seq, long receivedAtMs, ReadOnlySequence<byte> payload, ReadOnlySpan<byte> verdicts, CancellationToken ct)
    {
        if (ct.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<SpoolAppendResult>(ct);
        }

        long payloadLength = SpoolFormat.PayloadLength(payload.Length, verdicts.Length);
        if (payloadLength > SpoolFormat.MaxPayloadBytes)
        {
            ThrowHelper.ThrowPayloadTooLarge(payloadLength);
        }

        if (Volatile.Read(ref _fault) is not null)
        {
            return new ValueTask<SpoolAppendResult>(SpoolAppendResult.Faulted);
        }

        if (Volatile.Read(ref _backlogBytes) >= _options.MaxBacklogBytes)
        {
            return new ValueTask<SpoolAppendResult>(SpoolAppendResult.Full);
        }

        // Dekker pair with DisposeAsync: we raise _entering and then read _stopping; it raises _stopping and then waits for
        // _entering to drop to zero. Both are full fences, so either we see _stopping or it waits for our enqueue.
        Interlocked.Increment(ref _entering);
        try
        {
            if (Volatile.Read(ref _stopping) != 0)
            {
                return ValueTask.FromException<SpoolAppendResult>(new ObjectDisposedException(nameof(DurableSpool)));
            }

            int recordLength = SpoolFormat.RecordHeaderSize + (int)payloadLength;
            Interlocked.Add(ref _backlogBytes, recordLength);

            // Encode and CRC here, on the appender's thread, so the writer only does IO.
            PendingAppend pending = _pendingPool.Get();
            SpoolFormat.WriteRecord(pending.PrepareRecord(recordLength), nodeId, seq, receivedAtMs, payload, verdicts);
            short version = pending.Version;
            _queue.Enqueue(pending);

            // The enqueue is a full fence; WaitForWork raises _writerSleeping and then re-checks the queue. So either the
            // writer sees our record, or we see it asleep and wake it (only one of the racing appenders pays for Set).
            if (Volatile.Read(ref _writerSleeping) != 0 && Interlocked.Exchange(ref _writerSleeping, 0) != 0)
            {
                _wake.Set();
            }

            return new ValueTask<SpoolAppendResult>(pending, version);
        }
        finally
        {
            Interlocked.Decrement(ref _entering);
        }
    }

    private void WriterLoop()
    {
        try
        {
            while (true)
            {
                if (_queue.IsEmpty)
                {
                    if (!WaitForWork())
                    {
                        break;
                    }

                    continue;
                }

                if (_linger > TimeSpan.Zero)
                {
                    Thread.Sleep(_linger);
                }

                if (Volatile.Read(ref _fault) is not null)
                {
                    FailQueued();
                    continue;
                }

                try
                {
                    WriteBatch();
                }
                catch (Exception ex)
                {
                    // Loop boundary: a failed write or fsync faults the whole spool. After a failed fsync Linux may
                    // have dropped the dirty pages, so rewriting on the same file could ack data that is not on disk.
                    Volatile.Write(ref _fault, ex);
                    int failed = FailBatch();
                    SpoolLog.Faulted(_logger, ex, _directory, failed);
                }
            }
        }
        finally
        {
            FailQueued();
            _writeHandle.Dispose();
            _writerExited.TrySetResult();
        }
    }

    /// <summary>Sleeps until an append arrives; false when the spool is stopping and everything queued is written.</summary>
    private bool WaitForWork()
    {
        _wake.Reset();
        Interlocked.Exchange(ref _writerSleeping, 1);
        if (!_queue.IsEmpty)
        {
            // An appender may have taken the flag and set the event already; the next Reset clears that.
            Interlocked.Exchange(ref _writerSleeping, 0);
            return true;
        }

        if (Volatile.Read(ref _drainAndStop) != 0)
        {
            // DisposeAsync saw _entering at zero after raising _stopping: nothing can be enqueued any more.
            return false;
        }

        _wake.Wait();
        return true;
    }

    private void WriteBatch()
    {
        _batch.Clear();
        _gather.Clear();
        long end = _writeOffset;
        long batchBytes = 0;
        while (_queue.TryPeek(out PendingAppend? next))
        {
            if (end + next.Length > _options.SegmentBytes && end > SpoolFormat.SegmentHeaderSize)
            {
                if (_batch.Count > 0)
                {
                    break; // a batch never spans two segments: write this one, roll on the next pass
                }

                RollSegment();
                end = _writeOffset;
                continue;
            }

            if (_batch.Count > 0 && (_batch.Count >= MaxBatchRecords || batchBytes + next.Length > SpoolFormat.MaxWriteBatchBytes))
            {
                break;
            }

            _queue.TryDequeue(out _); // the writer is the only consumer, so this is the peeked item
            _batch.Add(next);
            _gather.Add(next.Record);
            batchBytes += next.Length;
            end += next.Length;
        }

        if (_batch.Count == 0)
        {
            return;
        }

        long start = _writeOffset;
        long started = _timeProvider.GetTimestamp();
        RandomAccess.Write(_writeHandle, _gather, start);
        PosixSync.FlushData(_writeHandle);
        if (BacklogOutgrowsCache)
        {
            // Whole aligned chunks only: the kernel keeps a page-cache folio (up to 2 MiB) that the range covers in part.
            long to = end & ~(CacheDropChunk - 1);
            if (to > _cacheDroppedTo)
            {
                PosixSync.DropCache(_writeHandle, _cacheDroppedTo, to - _cacheDroppedTo);
                _cacheDroppedTo = to;
            }
        }
        Volatile.Write(ref _lastSyncMicroseconds, (long)_timeProvider.GetElapsedTime(started).TotalMicroseconds);
        _writeOffset = end;

        lock (_stateLock)
        {
            _writeSegment.DurableLength = end;
        }

        Interlocked.Increment(ref _syncCount);
        Interlocked.Add(ref _appendedRecords, _batch.Count);
        _readSignal.Writer.TryWrite(true);

        ulong segmentId = _writeSegment.Id;
        long offset = start;
        foreach (PendingAppend pending in _batch)
        {
            int length = pending.Length;
            pending.ReleaseBuffer();
            pending.Complete(new SpoolAppendResult(SpoolAppendStatus.Appended, new SpoolPosition(segmentId, offset)));
            offset += length;
        }

        _batch.Clear();
        _gather.Clear();
    }

    /// <summary>Seals the active segment (already fully fsynced: rolls happen only between batches) and starts the next.</summary>
    private void RollSegment()
    {
        ulong nextId = _writeSegment.Id + 1;
        SafeFileHandle handle = CreateSegment(_directory, nextId);
        if (BacklogOutgrowsCache)
        {
            PosixSync.DropCache(_writeHandle, _cacheDroppedTo, 0); // the rest of the sealed segment (0 = to its end)
        }
        _cacheDroppedTo = 0;
        _writeHandle.Dispose();
        _writeHandle = handle;
        var next = new SegmentState(nextId, SpoolFormat.SegmentHeaderSize, isSealed: false);
        lock (_stateLock)
        {
            _writeSegment.IsSealed = true;
            _segments.Add(next);
        }

        _writeSegment = next;
        _writeOffset = SpoolFormat.SegmentHeaderSize;
        _readSignal.Writer.TryWrite(true);
    }

    /// <summary>Creates a segment file with its header, fsyncs it and then the directory, so that the name is durable
    /// before any record in it can be acknowledged.</summary>
    private static SafeFileHandle CreateSegment(string directory, ulong segmentId)
    {
        string path = Path.Combine(directory, SpoolFormat.SegmentFileName(segmentId));
        SafeFileHandle handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            Span<byte> header = stackalloc byte[SpoolFormat.SegmentHeaderSize];
            SpoolFormat.WriteSegmentHeader(header, segmentId);
            RandomAccess.Write(handle, header, 0);
            RandomAccess.FlushToDisk(handle);
            PosixSync.Fsync(directory);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Completes the batch in flight and everything queued with <see cref="SpoolAppendStatus.Faulted"/>: none of
    /// it may be acknowledged (it may or may not be on disk; a replay after restart is deduplicated downstream).</summary>
    private int FailBatch()
    {
        int count = _batch.Count;
        foreach (PendingAppend pending in _batch)
        {
            pending.ReleaseBuffer();
            pending.Complete(SpoolAppendResult.Faulted);
        }

        _batch.Clear();
        _gather.Clear();
        return count + FailQueued();
    }

    private int FailQueued()
    {
        int count = 0;
        while (_queue.TryDequeue(out PendingAppend? pending))
        {
            pending.ReleaseBuffer();
            pending.Complete(SpoolAppendResult.Faulted);
            count++;
        }

        return count;
    }
}
