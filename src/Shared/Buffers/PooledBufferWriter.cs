using System.Buffers;

namespace Vpn.Perf.Shared.Buffers;

/// <summary>
/// A growable <see cref="IBufferWriter{T}"/> over one <see cref="ArrayPool{T}"/> array. <see cref="Reset"/> keeps
/// the array, so a writer reused for batch after batch allocates nothing once it has grown to the batch size.
/// Not thread-safe. <see cref="Dispose"/> returns the array; written memory must not be used afterwards.
/// </summary>
public sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumGrowth = 4096;
    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialCapacity = 64 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCapacity);
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int WrittenCount => _written;

    public int Capacity => _buffer.Length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    /// <summary>Forgets the written bytes and keeps the array for the next batch.</summary>
    public void Reset() => _written = 0;

    /// <summary>Forgets everything written after <paramref name="length"/> bytes (undoes a partly written record).</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _written);
        _written = length;
    }

    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
            ThrowHelper.ThrowArgumentOutOfRange(nameof(count), $"Advance({count}) goes past the {_buffer.Length - _written} bytes available.");
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length != 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    private void EnsureFree(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        if (sizeHint == 0) sizeHint = 1;
        if (_buffer.Length - _written >= sizeHint) return;
        Grow(sizeHint);
    }

    private void Grow(int sizeHint)
    {
        // Double, but at least what was asked for; checked arithmetic turns a 2 GiB overflow into an exception.
        int needed = checked(_written + Math.Max(sizeHint, MinimumGrowth));
        int doubled = _buffer.Length <= int.MaxValue / 2 ? _buffer.Length * 2 : int.MaxValue;
        byte[] next = ArrayPool<byte>.Shared.Rent(Math.Max(needed, doubled));
        _buffer.AsSpan(0, _written).CopyTo(next);
        byte[] old = _buffer;
        _buffer = next;
        if (old.Length != 0) ArrayPool<byte>.Shared.Return(old);
    }
}
