using System.Buffers;
using System.Threading.Tasks.Sources;

namespace Vpn.Perf.Ingest.Spool;

/// <summary>One queued append: the encoded record in a pooled buffer plus the awaitable the appender waits on.
/// Pooled by the spool, so an append allocates nothing in the steady state.</summary>
internal sealed class PendingAppend : IValueTaskSource<SpoolAppendResult>
{
    private readonly DurableSpool _owner;

    // Continuations run on the thread pool, never inline on the writer thread, which must get back to the next fsync.
    private ManualResetValueTaskSourceCore<SpoolAppendResult> _core = new() { RunContinuationsAsynchronously = true };
    private byte[] _buffer = [];

    public PendingAppend(DurableSpool owner) => _owner = owner;

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Record => _buffer.AsMemory(0, Length);

    public short Version => _core.Version;

    public void SetRecord(byte[] rentedBuffer, int length)
    {
        _buffer = rentedBuffer;
        Length = length;
    }

    /// <summary>Gives the record buffer back to the pool; called by the writer once the bytes are written (or failed).</summary>
    public void ReleaseBuffer()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
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
