using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Win32.SafeHandles;

namespace Vpn.Perf.Ingest.Spool;

/// <summary>
/// Ingest's durable local spool: an append-only log of accepted batches in numbered segment files. A batch is acknowledged
/// only after <see cref="AppendAsync(Guid, ulong, long, System.Buffers.ReadOnlySequence{byte}, ReadOnlySpan{byte}, CancellationToken)"/> returns <see cref="SpoolAppendStatus.Appended"/>, which happens after its bytes are
/// fsynced; one background consumer (<see cref="Reader"/>) forwards records downstream and commits a durable checkpoint,
/// behind which whole segments are deleted.
/// </summary>
/// <remarks>
/// Concurrency: appenders (request handlers) encode and CRC their record in parallel into a pooled buffer and enqueue it;
/// one dedicated writer thread drains everything queued, writes it with one gathered positional write (pwritev) and one
/// fsync, then completes all those appenders: group commit. Appends that arrive during an fsync share the next one.
/// The writer is a thread of its own because write and fsync block; doing them on the thread pool would take one of the
/// few pool threads (two on a 2-core box) away from Kestrel for as long as the load lasts.
/// <para>Recovery, the torn-tail rule and the file formats are described in <see cref="SpoolFormat"/> and
/// <see cref="Open"/>.</para>
/// </remarks>
internal sealed partial class DurableSpool : IAsyncDisposable
{
    private readonly SpoolOptions _options;
    private readonly string _directory;
    private readonly ILogger<DurableSpool> _logger;
    private readonly TimeProvider _timeProvider;
    private readonly SafeFileHandle _lockHandle;
    private readonly ObjectPool<PendingAppend> _pendingPool;

    // Segment table, durable ends and the checkpoint; shared by the writer, the reader and commits.
    private readonly Lock _stateLock = new();
    private readonly List<SegmentState> _segments;
    private SpoolPosition _committed;

    // Wakes the reader after each group commit or roll: capacity 1, extra signals dropped (an auto-reset event).
    private readonly Channel<bool> _readSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
        SingleWriter = false,
    });

    private readonly SpoolReader _reader;

    private long _backlogBytes;
    private long _appendedRecords;
    private long _syncCount;
    private int _disposed;

    private DurableSpool(SpoolOptions options, string directory, ILogger<DurableSpool> logger, TimeProvider timeProvider, SafeFileHandle lockHandle, Guid id, RecoveredState state)
    {
        Id = id;
        _options = options;
        _directory = directory;
        _logger = logger;
        _timeProvider = timeProvider;
        _lockHandle = lockHandle;
        _segments = state.Segments;
        _committed = state.Checkpoint;
        _backlogBytes = state.BacklogBytes;
        _linger = options.MaxCommitDelay is { } delay && delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        _writeHandle = state.WriteHandle;
        _pendingPool = new DefaultObjectPool<PendingAppend>(new PendingAppendPolicy(this), PendingAppendPolicy.MaximumRetained);
        _writeSegment = _segments[^1];
        _writeOffset = _writeSegment.DurableLength;
        RecoveredEnd = new SpoolPosition(_writeSegment.Id, _writeOffset);
        _reader = new SpoolReader(this, state.Checkpoint);
        _writerThread = new Thread(WriterLoop) { IsBackground = true, Name = "spool-writer" };
        _writerThread.Start();
    }

    /// <summary>
    /// The spool's identity (file <see cref="SpoolFormat.IdFileName"/>): made once, when the directory is first opened, and
    /// the same after every restart and for any process that opens the directory later.
    /// </summary>
    public Guid Id { get; }

    /// <summary>
    /// Where the records found on disk at open end: a record before it was appended by an earlier process (or by this
    /// directory's instance before it died), one at or after it by this one. Positions only grow, whatever the clock does.
    /// </summary>
    public SpoolPosition RecoveredEnd { get; }

    /// <summary>The single consumer of the spool (the ClickHouse writer). Records are visible once fsynced.</summary>
    public SpoolReader Reader => _reader;

    /// <summary>Record bytes appended (or being appended) and not yet committed by the consumer.</summary>
    public long BacklogBytes => Volatile.Read(ref _backlogBytes);

    /// <summary>True when the backlog reached <see cref="SpoolOptions.MaxBacklogBytes"/>: appends answer
    /// <see cref="SpoolAppendStatus.Full"/> until the consumer commits.</summary>
    public bool IsFull => BacklogBytes >= _options.MaxBacklogBytes;

    /// <summary>True after a failed write or fsync: appends answer <see cref="SpoolAppendStatus.Faulted"/>.</summary>
    public bool IsFaulted => Volatile.Read(ref _fault) is not null;

    /// <summary>Segment files on disk, the active one included.</summary>
    public int SegmentCount
    {
        get
        {
            lock (_stateLock)
            {
                return _segments.Count;
            }
        }
    }

    /// <summary>Records made durable since this instance opened.</summary>
    public long AppendedRecords => Volatile.Read(ref _appendedRecords);

    /// <summary>Group commits (write + fsync) since this instance opened; AppendedRecords / SyncCount is the batching factor.</summary>
    public long SyncCount => Volatile.Read(ref _syncCount);

    /// <summary>The last durable checkpoint: every record before it is consumed.</summary>
    public SpoolPosition Checkpoint
    {
        get
        {
            lock (_stateLock)
            {
                return _committed;
            }
        }
    }

    /// <summary>
    /// Opens (or creates) the spool in <see cref="SpoolOptions.Directory"/>: takes the directory lock, reads the checkpoint,
    /// removes segments wholly behind it, and validates every record from the checkpoint's segment on.
    /// A damaged tail of the last segment (a record cut off at EOF, or with a bad CRC or length, within the size of one write
    /// batch) is what a crash during an unacknowledged write leaves: it is truncated and a warning logged. Damage anywhere
    /// else (a non-last segment, a bad header, a missing segment, a bad checkpoint) throws <see cref="SpoolCorruptException"/>
    /// naming the file and offset, because skipping it would drop acknowledged data. Blocking IO: call at startup.
    /// </summary>
    public static DurableSpool Open(SpoolOptions options, ILogger<DurableSpool> logger, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            ThrowHelper.ThrowInvalidOptions("SpoolOptions.Directory is required.");
        }

        if (options.SegmentBytes < 4096)
        {
            ThrowHelper.ThrowInvalidOptions(string.Create(CultureInfo.InvariantCulture,
                $"SpoolOptions.SegmentBytes is {options.SegmentBytes}; the minimum is 4096."));
        }

        if (options.MaxBacklogBytes <= 0)
        {
            ThrowHelper.ThrowInvalidOptions(string.Create(CultureInfo.InvariantCulture,
                $"SpoolOptions.MaxBacklogBytes is {options.MaxBacklogBytes}; it must be positive."));
        }

        string directory = Path.GetFullPath(options.Directory);
        System.IO.Directory.CreateDirectory(directory);

        // FileShare.None takes an exclusive flock: a second process (or instance) on the same directory fails here
        // instead of interleaving writes. The kernel drops the lock when the process dies, kill -9 included.
        SafeFileHandle lockHandle = File.OpenHandle(Path.Combine(directory, SpoolFormat.LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        try
        {
            Guid id = ReadOrCreateId(directory);
            RecoveredState state = Recover(directory, logger);
            SpoolLog.Opened(logger, directory, id, state.Segments.Count, state.BacklogRecords, state.BacklogBytes, state.Checkpoint);
            return new DurableSpool(options, directory, logger, timeProvider, lockHandle, id, state);
        }
        catch
        {
            lockHandle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Stops taking appends (later calls throw <see cref="ObjectDisposedException"/>), lets the writer make everything
    /// already queued durable (those appenders get <see cref="SpoolAppendStatus.Appended"/>, or the fault if the disk failed),
    /// then closes the files. Stop the consumer loop before disposing: the reader is disposed with the spool.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Interlocked.Exchange(ref _stopping, 1);

        // Appenders that passed the stopping check finish enqueueing within a few instructions.
        while (Volatile.Read(ref _entering) != 0)
        {
            await Task.Yield();
        }

        Volatile.Write(ref _drainAndStop, 1);
        _wake.Set();
        await _writerExited.Task.ConfigureAwait(false);

        _readSignal.Writer.TryComplete();
        _reader.Dispose();
        _lockHandle.Dispose();
        _wake.Dispose();
    }

    internal ChannelReader<bool> ReadSignal => _readSignal.Reader;

    internal string SegmentPath(ulong segmentId) => Path.Combine(_directory, SpoolFormat.SegmentFileName(segmentId));

    /// <summary>Durable length and sealed flag of a segment; false when it no longer exists (deleted after a commit).</summary>
    internal bool TryGetSegmentState(ulong segmentId, out long durableLength, out bool isSealed)
    {
        lock (_stateLock)
        {
            foreach (SegmentState segment in _segments)
            {
                if (segment.Id == segmentId)
                {
                    durableLength = segment.DurableLength;
                    isSealed = segment.IsSealed;
                    return true;
                }
            }
        }

        durableLength = 0;
        isSealed = false;
        return false;
    }

    internal ulong FirstSegmentId()
    {
        lock (_stateLock)
        {
            return _segments[0].Id;
        }
    }

    private sealed class RecoveredState
    {
        public required List<SegmentState> Segments { get; init; }

        public required SpoolPosition Checkpoint { get; init; }

        public required long BacklogBytes { get; init; }

        public required long BacklogRecords { get; init; }

        public required SafeFileHandle WriteHandle { get; init; }
    }

    internal void ReturnPending(PendingAppend pending) => _pendingPool.Return(pending);

    /// <summary>
    /// The appends kept between uses with their record buffers: bounded so a burst does not pin memory for ever (each
    /// keeps up to 64 KiB); 256 covers hundreds of concurrent requests.
    /// </summary>
    private sealed class PendingAppendPolicy(DurableSpool owner) : IPooledObjectPolicy<PendingAppend>
    {
        public const int MaximumRetained = 256;

        public PendingAppend Create() => new(owner);

        public bool Return(PendingAppend pending) => true;
    }
}
