using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;

namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// Rows for ClickHouse's Native format, columnar, made from fixed-size RowBinary rows in caller-owned memory, taken in
/// the order of a list of their offsets. Native is a sequence of blocks: the column count and row count (LEB128), then
/// per column its name and type (each a LEB128 length and the bytes) and every row's value back to back. For the
/// fixed-size types a value's Native bytes are its RowBinary bytes (the server's in-memory form in both), so a column
/// is a gather of one slice of every row. The rows go as blocks of as many as fit one pooled chunk: each block's rows are
/// read from memory once for all its columns (one block of every row would read each row once per column, from all over
/// the buffer), and the server joins the blocks of an insert into one before writing it. The server parses each column
/// at once instead of value by value. The caller keeps rows and offsets alive and unchanged until the request completes.
/// </summary>
internal sealed class NativeBlockContent : HttpContent
{
    private const int ChunkBytes = 256 << 10;
    private const int MaxLeb128Bytes = 5;

    private readonly IReadOnlyList<ClickHouseColumn> _columns;
    private readonly int[] _columnOffsets;
    private readonly int[] _columnBytes;
    private readonly int _columnHeaderBytes;
    private readonly int _rowBytes;
    private readonly int _blockRows;
    private readonly ReadOnlyMemory<byte> _rows;
    private readonly ReadOnlyMemory<int> _offsets;

    public NativeBlockContent(IReadOnlyList<ClickHouseColumn> columns, ReadOnlyMemory<byte> rows, ReadOnlyMemory<int> offsets, MediaTypeHeaderValue contentType)
    {
        _columns = columns;
        _columnOffsets = new int[columns.Count];
        _columnBytes = new int[columns.Count];
        for (int c = 0; c < columns.Count; c++)
        {
            _columnOffsets[c] = _rowBytes;
            _columnBytes[c] = columns[c].FixedBytes();
            _rowBytes += _columnBytes[c];
            _columnHeaderBytes += StringBytes(columns[c].Name) + StringBytes(columns[c].Type);
        }
        _blockRows = (ChunkBytes - (2 * MaxLeb128Bytes) - _columnHeaderBytes) / Math.Max(_rowBytes, 1);
        if (_blockRows < 1) ThrowHelper.ThrowArgument("The columns are too many or too wide for a block.", nameof(columns));
        _rows = rows;
        _offsets = offsets;
        Headers.ContentType = contentType;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            for (int first = 0; first < _offsets.Length; first += _blockRows)
            {
                int filled = WriteBlock(chunk, first, Math.Min(_blockRows, _offsets.Length - first));
                await stream.WriteAsync(chunk.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        // A Content-Length body, not chunked: ClickHouse reads it in one go.
        length = (long)_offsets.Length * _rowBytes;
        for (int first = 0; first < _offsets.Length; first += _blockRows)
            length += Leb128Bytes((uint)_columns.Count) + Leb128Bytes((uint)Math.Min(_blockRows, _offsets.Length - first)) + _columnHeaderBytes;
        return true;
    }

    /// <summary>One block of the <paramref name="count"/> rows from offset number <paramref name="first"/> on.</summary>
    private int WriteBlock(Span<byte> destination, int first, int count)
    {
        int filled = WriteLeb128(destination, (uint)_columns.Count);
        filled += WriteLeb128(destination[filled..], (uint)count);
        ReadOnlySpan<int> offsets = _offsets.Span.Slice(first, count);
        for (int c = 0; c < _columns.Count; c++)
        {
            filled += WriteString(_columns[c].Name, destination[filled..]);
            filled += WriteString(_columns[c].Type, destination[filled..]);
            filled += _columnBytes[c] switch
            {
                1 => Gather<byte>(offsets, _columnOffsets[c], destination[filled..]),
                2 => Gather<ushort>(offsets, _columnOffsets[c], destination[filled..]),
                4 => Gather<uint>(offsets, _columnOffsets[c], destination[filled..]),
                8 => Gather<ulong>(offsets, _columnOffsets[c], destination[filled..]),
                _ => Gather<UInt128>(offsets, _columnOffsets[c], destination[filled..]),
            };
        }
        return filled;
    }

    /// <summary>Copies the value at <paramref name="at"/> of each row in <paramref name="offsets"/> into <paramref name="destination"/>.</summary>
    private int Gather<T>(ReadOnlySpan<int> offsets, int at, Span<byte> destination) where T : unmanaged
    {
        ReadOnlySpan<byte> rows = _rows.Span;
        Span<T> values = MemoryMarshal.Cast<byte, T>(destination)[..offsets.Length]; // unaligned T is fine on x64 and arm64
        for (int i = 0; i < values.Length; i++) values[i] = MemoryMarshal.Read<T>(rows[(offsets[i] + at)..]);
        return MemoryMarshal.AsBytes(values).Length;
    }

    private static int StringBytes(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        return Leb128Bytes((uint)length) + length;
    }

    private static int WriteString(string value, Span<byte> destination)
    {
        int prefix = WriteLeb128(destination, (uint)Encoding.UTF8.GetByteCount(value));
        return prefix + Encoding.UTF8.GetBytes(value, destination[prefix..]);
    }

    private static int Leb128Bytes(uint value)
    {
        int bytes = 1;
        for (; value >= 0x80; value >>= 7) bytes++;
        return bytes;
    }

    private static int WriteLeb128(Span<byte> destination, uint value)
    {
        int i = 0;
        for (; value >= 0x80; value >>= 7) destination[i++] = (byte)(value | 0x80);
        destination[i++] = (byte)value;
        return i;
    }
}
