using System.Buffers;

namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// The finished bytes of one command in a pooled array, detached from its <see cref="RespCommand"/> so the caller can
/// build the next command at once. Reference counted: the writer loop holds one reference per submission and drops it
/// after copying the bytes into the socket's pipe (or when the submission fails); EVALSHA holds one more across its
/// NOSCRIPT retry. The array goes back to the pool when the last reference is dropped.
/// </summary>
internal sealed class RespPayload
{
    private byte[]? _array;
    private readonly int _start;
    private readonly int _length;
    private int _references = 1;

    public RespPayload(byte[] array, int start, int length)
    {
        _array = array;
        _start = start;
        _length = length;
    }

    public ReadOnlySpan<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_array is null, this);
            return _array.AsSpan(_start, _length);
        }
    }

    public int Length => _length;

    public void AddReference() => Interlocked.Increment(ref _references);

    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            byte[]? array = Interlocked.Exchange(ref _array, null);
            if (array is not null)
                ArrayPool<byte>.Shared.Return(array);
        }
    }
}
