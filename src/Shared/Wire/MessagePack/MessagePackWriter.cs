using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Vpn.Perf.Shared.Wire.MessagePack;

/// <summary>
/// Writes MessagePack in its smallest encoding into an <see cref="IBufferWriter{T}"/>. The span from
/// <c>GetSpan</c> is cached and advanced only when it runs out or on <see cref="Flush"/>, so small tokens cost a
/// bounds check and a store. Call <see cref="Flush"/> when done; unflushed bytes are not yet in the output.
/// </summary>
public ref struct MessagePackWriter
{
    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;  // from _output.GetSpan; its first _buffered bytes are written but not yet advanced
    private int _buffered;

    public MessagePackWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    /// <summary>Commits the buffered bytes to the output (one <c>Advance</c>).</summary>
    public void Flush()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
        }

        _buffered = 0;
        _span = default; // the span is invalid after Advance
    }

    public void WriteNil() => WriteByte(MessagePackCode.Nil);

    public void WriteBool(bool value) => WriteByte(value ? MessagePackCode.True : MessagePackCode.False);

    public void WriteArrayHeader(int count) =>
        WriteHeader(count, fixBase: MessagePackCode.MinFixArray, fixMax: 15, code16: MessagePackCode.Array16, code32: MessagePackCode.Array32);

    public void WriteMapHeader(int count) =>
        WriteHeader(count, fixBase: MessagePackCode.MinFixMap, fixMax: 15, code16: MessagePackCode.Map16, code32: MessagePackCode.Map32);

    public void WriteUInt64(ulong value)
    {
        // 9: uint 64 is the longest integer form (type byte + 8 bytes).
        Span<byte> span = GetSpan(9);
        if (value <= MessagePackCode.MaxPositiveFixInt)
        {
            span[0] = (byte)value;
            _buffered += 1;
        }
        else if (value <= byte.MaxValue)
        {
            span[1] = (byte)value; // highest index first: one bounds check covers both stores
            span[0] = MessagePackCode.UInt8;
            _buffered += 2;
        }
        else if (value <= ushort.MaxValue)
        {
            span[0] = MessagePackCode.UInt16;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)value);
            _buffered += 3;
        }
        else if (value <= uint.MaxValue)
        {
            span[0] = MessagePackCode.UInt32;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)value);
            _buffered += 5;
        }
        else
        {
            span[0] = MessagePackCode.UInt64;
            BinaryPrimitives.WriteUInt64BigEndian(span[1..], value);
            _buffered += 9;
        }
    }

    public void WriteInt64(long value)
    {
        if (value >= 0)
        {
            WriteUInt64((ulong)value); // MessagePack's smallest form of a non-negative int is the unsigned one
            return;
        }

        // 9: int 64 is the longest integer form (type byte + 8 bytes).
        Span<byte> span = GetSpan(9);
        if (value >= -32)
        {
            span[0] = (byte)(sbyte)value; // negative fixint 0xe0..0xff
            _buffered += 1;
        }
        else if (value >= sbyte.MinValue)
        {
            span[1] = (byte)(sbyte)value;
            span[0] = MessagePackCode.Int8;
            _buffered += 2;
        }
        else if (value >= short.MinValue)
        {
            span[0] = MessagePackCode.Int16;
            BinaryPrimitives.WriteInt16BigEndian(span[1..], (short)value);
            _buffered += 3;
        }
        else if (value >= int.MinValue)
        {
            span[0] = MessagePackCode.Int32;
            BinaryPrimitives.WriteInt32BigEndian(span[1..], (int)value);
            _buffered += 5;
        }
        else
        {
            span[0] = MessagePackCode.Int64;
            BinaryPrimitives.WriteInt64BigEndian(span[1..], value);
            _buffered += 9;
        }
    }

    /// <summary>Writes a UUID as bin 8 of 16 bytes in RFC 9562 network byte order.</summary>
    public void WriteUuid(Guid value)
    {
        // 18: bin 8 header (type byte + length byte) + 16 UUID bytes.
        Span<byte> span = GetSpan(18);
        span[1] = 16;
        span[0] = MessagePackCode.Bin8;
        value.TryWriteBytes(span.Slice(2, 16), bigEndian: true, out _); // cannot fail: the slice is 16 bytes
        _buffered += 18;
    }

    public void WriteBinary(ReadOnlySpan<byte> bytes)
    {
        // 5: bin 32 header (type byte + 4 length bytes), the longest.
        Span<byte> span = GetSpan(5);
        int length = bytes.Length;
        if (length <= byte.MaxValue)
        {
            span[1] = (byte)length;
            span[0] = MessagePackCode.Bin8;
            _buffered += 2;
        }
        else if (length <= ushort.MaxValue)
        {
            span[0] = MessagePackCode.Bin16;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length);
            _buffered += 3;
        }
        else
        {
            span[0] = MessagePackCode.Bin32;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            _buffered += 5;
        }

        WriteRaw(bytes);
    }

    /// <summary>Writes a str from bytes that are already UTF-8 (the caller guarantees validity).</summary>
    public void WriteString(ReadOnlySpan<byte> utf8)
    {
        // 5: str 32 header (type byte + 4 length bytes), the longest.
        Span<byte> span = GetSpan(5);
        int length = utf8.Length;
        if (length <= 31)
        {
            span[0] = (byte)(MessagePackCode.MinFixStr | length);
            _buffered += 1;
        }
        else if (length <= byte.MaxValue)
        {
            span[1] = (byte)length;
            span[0] = MessagePackCode.Str8;
            _buffered += 2;
        }
        else if (length <= ushort.MaxValue)
        {
            span[0] = MessagePackCode.Str16;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)length);
            _buffered += 3;
        }
        else
        {
            span[0] = MessagePackCode.Str32;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            _buffered += 5;
        }

        WriteRaw(utf8);
    }

    private void WriteHeader(int count, byte fixBase, int fixMax, byte code16, byte code32)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        // 5: array 32 / map 32 header (type byte + 4 count bytes), the longest.
        Span<byte> span = GetSpan(5);
        if (count <= fixMax)
        {
            span[0] = (byte)(fixBase | count);
            _buffered += 1;
        }
        else if (count <= ushort.MaxValue)
        {
            span[0] = code16;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)count);
            _buffered += 3;
        }
        else
        {
            span[0] = code32;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)count);
            _buffered += 5;
        }
    }

    private void WriteByte(byte value)
    {
        // 1: a single-byte token.
        GetSpan(1)[0] = value;
        _buffered += 1;
    }

    // Copies a payload in as many pieces as the output hands out, so a large payload never needs one huge span.
    private void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            // 1: any free space will do; we copy as much as fits and loop.
            Span<byte> span = GetSpan(1);
            int chunk = Math.Min(span.Length, bytes.Length);
            bytes[..chunk].CopyTo(span);
            _buffered += chunk;
            bytes = bytes[chunk..];
        }
    }

    // Returns free space of at least sizeHint bytes after the buffered ones.
    private Span<byte> GetSpan(int sizeHint)
    {
        if (_span.Length - _buffered < sizeHint)
        {
            Grow(sizeHint);
        }

        return _span[_buffered..];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int sizeHint)
    {
        Flush();
        // sizeHint is the caller's token size (at most 18 bytes); the output usually hands out far more, which the
        // following tokens reuse without another call.
        _span = _output.GetSpan(sizeHint);
    }
}
