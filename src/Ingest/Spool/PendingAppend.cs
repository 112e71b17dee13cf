using System.Buffers;
using System.Numerics;
using System.Threading.Tasks.Sources;

namespace Vpn.Perf.Ingest.Spool;

/// <summary>One queued append: the encoded record in a buffer of its own plus the awaitable the appender waits on.
/// Pooled by the spool with its buffer, so an append allocates nothing in the steady state.</summary>
internal sealed class PendingAppend : IValueTaskSource<SpoolAppendResult>
{
    // A record up to this size is encoded into the buffer this append keeps from one use to the next. Hundreds of
    // appends wait on one group-commit fsync, more buffers than ArrayPool.Shared keeps per size (32 a core), and each
    // one it lacks was a new array: the HTTP path's largest allocation (docs/perf.md). Larger records rent and return.
    private const int RetainedBufferBytes = 64 * 1024;

    private readonly DurableSpool _owner;

    // Continuations run on the thread pool, never inline on the writer thread, which must get back to the next fsync.
    private ManualResetValueTaskSourceCore<SpoolAppendResult> _core = new() { RunContinuationsAsynchronously = true };
    private byte[] _retained = [];
    private byte[]? _rented;

    public PendingAppend(DurableSpool owner) => _owner = owner;

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Record => (_rented ?? _retained).AsMemory(0, Length);

    public short Version => _core.Version;

    /// <summary>The buffer to encode a record of <paramref name="length"/> bytes into; it is <see cref="Record"/> until released.</summary>
    public Span<byte> PrepareRecord(int length)
    {
        Length = length;
        if (length > RetainedBufferBytes)
        {
            _rented = ArrayPool<byte>.Shared.Rent(length);
            return _rented.AsSpan(0, length);
        }
        if (_retained.Length < length)
        {
            _retained = GC.AllocateUninitializedArray<byte>((int)BitOperations.RoundUpToPowerOf2((uint)length));
        }
        return _retained.AsSpan(0, length);
    }

    /// <summary>Called by the writer once the bytes are written (or failed): a rented buffer goes back to the pool.</summary>
    public void ReleaseBuffer()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public void Complete(SpoolAppendResult result) => _core.SetResult(result);

    public SpoolAppendResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            _owner.ReturnPending(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
