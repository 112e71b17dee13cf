// ClickHouse RowBinary (https://clickhouse.com/docs/en/interfaces/formats#rowbinary): rows back to back, each row
// the columns in the order of the INSERT's column list, no header, no delimiters, no framing.
//
//   type        bytes   encoding
//   UInt8         1     value
//   UInt16        2     little-endian
//   UInt32        4     little-endian
//   UInt64        8     little-endian
//   Int64         8     little-endian two's complement
//   Float64       8     little-endian IEEE 754
//   Date          2     UInt16 days since 1970-01-01
//   DateTime      4     UInt32 unix seconds (UTC)
//   UUID         16     UInt64 high half LE, then UInt64 low half LE, where the RFC 9562 big-endian bytes
//                       are hi = bytes[0..8], lo = bytes[8..16] (checked by a round trip on 18.16)
//   String     1..5+n   LEB128 unsigned byte length n, then n bytes (no terminator, any byte values)
//   Nullable(T) 1(+T)   UInt8 1 = NULL (no value follows), 0 = a value of T follows
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// Writes RowBinary rows into an <see cref="IBufferWriter{T}"/>. A row starts with <see cref="BeginRow"/>, which
/// asks the output once for a span big enough for the whole row (the caller derives the size from the column
/// types, see <see cref="RowBinarySizes"/>); the values go into that cached span and <see cref="EndRow"/> advances
/// the output once. Writing past the size announced in <see cref="BeginRow"/> throws: it is a bug in the caller's
/// size derivation, never a property of the data.
/// </summary>
internal ref struct RowBinaryWriter
{
    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _position;
    private bool _inRow;

    public RowBinaryWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _span = default;
        _position = 0;
        _inRow = false;
    }

    /// <summary>Bytes written into the current row so far.</summary>
    public readonly int RowBytes => _position;

    /// <summary>Starts a row of at most <paramref name="maxRowBytes"/> bytes.</summary>
    public void BeginRow(int maxRowBytes)
    {
        if (_inRow) ThrowHelper.ThrowInvalidOperation("RowBinaryWriter.BeginRow was called twice without EndRow.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRowBytes);
        // The whole row, as derived by the caller from its column types. The output may return more; the slice makes
        // an error in that derivation fail here, every time, instead of only when a buffer happens to be nearly full.
        _span = _output.GetSpan(maxRowBytes)[..maxRowBytes];
        _position = 0;
        _inRow = true;
    }

    /// <summary>Commits the current row to the output (the one <c>Advance</c> per row).</summary>
    public void EndRow()
    {
        if (!_inRow) ThrowHelper.ThrowInvalidOperation("RowBinaryWriter.EndRow was called without BeginRow.");
        _output.Advance(_position);
        _span = default; // the span is invalid after Advance (IBufferWriter contract)
        _position = 0;
        _inRow = false;
    }

    public void WriteUInt8(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void WriteFloat64(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);

    /// <summary>Date: days since 1970-01-01 as UInt16 (ClickHouse's range ends at 2149-06-06).</summary>
    public void WriteDate(ushort daysSinceEpoch) => WriteUInt16(daysSinceEpoch);

    /// <summary>DateTime: unix seconds as UInt32 (the range ends at 2106-02-07).</summary>
    public void WriteDateTime(uint unixSeconds) => WriteUInt32(unixSeconds);

    /// <summary>UUID: the high 8 bytes as a little-endian UInt64, then the low 8 bytes likewise.</summary>
    public void WriteUuid(Guid value)
    {
        Span<byte> destination = Reserve(16);
        // Guid's own byte form (always this layout): a as LE Int32, b and c as LE Int16, then bytes d..k. The RFC 9562
        // value is hi = a:b:c and lo = d..k read big-endian; both halves are stored little-endian: one byte shuffle
        // (pshufb, tbl) of that form, in place.
        value.TryWriteBytes(destination);
        Vector128.Shuffle(Vector128.Create<byte>(destination), UuidByteOrder).CopyTo(destination);
    }

    // c, b and a (each little-endian) make hi's little-endian bytes; d..k reversed make lo's.
    private static Vector128<byte> UuidByteOrder => Vector128.Create((byte)6, 7, 4, 5, 0, 1, 2, 3, 15, 14, 13, 12, 11, 10, 9, 8);

    /// <summary>String: LEB128 byte length, then the bytes as given (ClickHouse strings are arbitrary bytes).</summary>
    public void WriteString(ReadOnlySpan<byte> utf8)
    {
        Span<byte> destination = Reserve(RowBinarySizes.String(utf8.Length));
        int written = WriteLeb128(destination, (uint)utf8.Length);
        utf8.CopyTo(destination[written..]);
    }

    /// <summary>The Nullable prefix: write <c>true</c> for NULL (and no value), <c>false</c> before a value.</summary>
    public void WriteNullMarker(bool isNull) => WriteUInt8(isNull ? (byte)1 : (byte)0);

    private static int WriteLeb128(Span<byte> destination, uint value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int count)
    {
        int position = _position;
        // Unsigned compare covers both "not in a row" (empty span) and an overrun of the announced row size.
        if ((uint)(position + count) > (uint)_span.Length) ThrowRowOverflow(count);
        _position = position + count;
        return _span.Slice(position, count);
    }

    private readonly void ThrowRowOverflow(int count)
    {
        if (!_inRow) ThrowHelper.ThrowInvalidOperation("RowBinaryWriter: call BeginRow before writing values.");
        ThrowHelper.ThrowInvalidOperation(
            $"RowBinaryWriter: a {count}-byte value does not fit the row: {_position} of {_span.Length} bytes used. The size passed to BeginRow is too small.");
    }
}
