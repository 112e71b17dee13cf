using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Vpn.Perf.Ingest.Spool;

/// <summary>A pooled read-ahead window over one segment file: serves [offset, offset + count) from memory and refills
/// with one positional read of up to the window size when the range is not loaded. Used by recovery and by the reader.</summary>
internal sealed class SegmentWindow : IDisposable
{
    // 1 MiB: a few dozen typical records per read syscall; grows (pooled) for a larger record, up to MaxRecordBytes.
    private const int InitialSize = 1024 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private long _fileOffset;
    private int _length;

    /// <summary>Returns the bytes [offset, offset + count) of the file. <paramref name="limit"/> is the end of the readable
    /// region (the durable length); the caller has checked offset + count &lt;= limit and count &lt;= MaxRecordBytes.</summary>
    public ReadOnlyMemory<byte> Get(SafeFileHandle handle, string path, long offset, int count, long limit)
    {
        if (offset >= _fileOffset && offset + count <= _fileOffset + _length)
        {
            return _buffer.AsMemory((int)(offset - _fileOffset), count);
        }

        if (_buffer.Length < count)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = []; // never leave a returned array reachable if Rent throws
            _length = 0;
            _buffer = ArrayPool<byte>.Shared.Rent(count);
        }

        int toRead = (int)Math.Min(_buffer.Length, limit - offset);
        int read = 0;
        while (read < toRead)
        {
            int n = RandomAccess.Read(handle, _buffer.AsSpan(read, toRead - read), offset + read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        _fileOffset = offset;
        _length = read;
        if (read < count)
        {
            ThrowHelper.ThrowCorrupt(path, offset + read, "the file ends before its recorded length");
        }

        return _buffer.AsMemory(0, count);
    }

    /// <summary>Forgets the loaded range (the next <see cref="Get"/> reads from the file).</summary>
    public void Invalidate() => _length = 0;

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        _length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
