using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Vpn.Perf.Shared.Wire.MessagePack;

/// <summary>
/// Reads the MessagePack subset the wire formats need from a whole message of untrusted bytes, possibly in several
/// segments.
/// </summary>
/// <remarks>
/// <para>Contract of every <c>TryRead*</c>: <c>true</c> = read and consumed; <c>false</c> = the message ends inside the
/// token, and nothing was consumed; malformed input throws <see cref="WireFormatException"/>.</para>
/// <para>Integers: any valid encoding is accepted (fixint, uint 8..64, int 8..64); unsigned fields reject negative
/// values with <see cref="WireError.NegativeInteger"/>.</para>
/// <para>Counts and lengths are checked before anything is sized by them: a declared count or length larger than the
/// bytes a body of at most <see cref="Limits.MaxBatchBytes"/> can still hold throws; a count larger than the bytes
/// actually left returns <c>false</c> at once (the message can never complete: callers report
/// <see cref="WireError.Truncated"/>).</para>
/// <para>Strings come back as a slice of the input sequence (no copy, no allocation); see <see cref="TryReadStringOrNil"/>.</para>
/// </remarks>
public ref partial struct MessagePackReader
{
    // Token sizes for the stack buffers of the slow paths: the longest token each method may need to see at once.
    private const int MaxIntegerTokenLength = 9; // uint 64 / int 64: type byte + 8 payload bytes
    private const int MaxHeaderLength = 5;       // str 32 / bin 32 / array 32 / map 32: type byte + 4 length bytes
    private const int UuidLength = 16;
    private const int MinUuidTokenLength = 2 + UuidLength; // bin 8: type byte + length byte + 16 bytes

    private SequenceReader<byte> _reader;

    /// <param name="message">The whole message.</param>
    public MessagePackReader(in ReadOnlySequence<byte> message) => _reader = new SequenceReader<byte>(message);

    /// <summary>Bytes consumed so far: the offset of the next byte in the message.</summary>
    public readonly long Consumed => _reader.Consumed;

    /// <summary>Bytes left in the message.</summary>
    public readonly long Remaining => _reader.Remaining;

    /// <summary>True when every byte of the message has been consumed.</summary>
    public readonly bool End => _reader.End;

    private enum Status : byte
    {
        Done,
        NeedMoreData,
        WrongType,
    }

    private enum HeaderKind : byte
    {
        Array,
        Map,
        Str,
        Bin,
    }

    /// <summary>Reads an array header (fixarray, array 16, array 32).</summary>
    public bool TryReadArrayHeader(out int count) => TryReadCollectionHeader(HeaderKind.Array, out count);

    /// <summary>Reads a map header (fixmap, map 16, map 32); <paramref name="count"/> is the number of key/value pairs.</summary>
    public bool TryReadMapHeader(out int count) => TryReadCollectionHeader(HeaderKind.Map, out count);

    /// <summary>Reads a non-negative integer in any encoding.</summary>
    public bool TryReadUInt64(out ulong value)
    {
        if (!TryPeekInteger(out value, out bool negative, out int length))
        {
            return false;
        }

        if (negative)
        {
            ThrowHelper.ThrowNegativeInteger(Consumed);
        }

        _reader.Advance(length);
        return true;
    }

    /// <summary>Reads a non-negative integer up to <see cref="uint.MaxValue"/> in any encoding.</summary>
    public bool TryReadUInt32(out uint value)
    {
        if (!TryPeekInteger(out ulong raw, out bool negative, out int length))
        {
            value = 0;
            return false;
        }

        if (negative)
        {
            ThrowHelper.ThrowNegativeInteger(Consumed);
        }

        if (raw > uint.MaxValue)
        {
            ThrowHelper.ThrowIntegerOutOfRange(Consumed, "uint32");
        }

        _reader.Advance(length);
        value = (uint)raw;
        return true;
    }

    /// <summary>Reads a signed integer in any encoding (a uint 64 above <see cref="long.MaxValue"/> throws).</summary>
    public bool TryReadInt64(out long value)
    {
        if (!TryPeekInteger(out ulong raw, out bool negative, out int length))
        {
            value = 0;
            return false;
        }

        if (!negative && raw > long.MaxValue)
        {
            ThrowHelper.ThrowIntegerOutOfRange(Consumed, "int64");
        }

        _reader.Advance(length);
        value = (long)raw; // negative values were sign-extended into raw, so this cast restores them
        return true;
    }

    /// <summary>Reads true or false.</summary>
    public bool TryReadBool(out bool value)
    {
        if (!_reader.TryPeek(out byte code))
        {
            value = false;
            return false;
        }

        if (code is not (MessagePackCode.True or MessagePackCode.False))
        {
            ThrowHelper.ThrowUnexpectedType("bool", code, Consumed);
        }

        _reader.Advance(1);
        value = code == MessagePackCode.True;
        return true;
    }

    /// <summary>Reads nil; any other value throws <see cref="WireError.UnexpectedType"/>.</summary>
    public bool TryReadNil()
    {
        if (!_reader.TryPeek(out byte code))
        {
            return false;
        }

        if (code != MessagePackCode.Nil)
        {
            ThrowHelper.ThrowUnexpectedType("nil", code, Consumed);
        }

        _reader.Advance(1);
        return true;
    }

    /// <summary>Tells whether the next value is nil without consuming it; false when no byte is buffered.</summary>
    public readonly bool TryPeekNil(out bool isNil)
    {
        bool any = _reader.TryPeek(out byte code);
        isNil = any && code == MessagePackCode.Nil;
        return any;
    }

    /// <summary>
    /// Reads a UUID: a bin of exactly 16 bytes in RFC 9562 network byte order. Writers use bin 8; bin 16 and bin 32
    /// headers with length 16 are accepted too, as any valid integer encoding is.
    /// </summary>
    public bool TryReadUuid(out Guid value)
    {
        ReadOnlySpan<byte> span = _reader.UnreadSpan;
        // Fast path: the whole bin 8 token is in this segment. Testing the length first lets the JIT drop the bounds
        // checks on span[0], span[1] and the 16-byte slice.
        if (span.Length >= MinUuidTokenLength && span[0] == MessagePackCode.Bin8 && span[1] == UuidLength)
        {
            value = new Guid(span.Slice(2, UuidLength), bigEndian: true);
            _reader.Advance(MinUuidTokenLength);
            return true;
        }

        return TryReadUuidSlow(out value);
    }

    /// <summary>
    /// Reads a str (or nil) of at most <paramref name="maxBytes"/> UTF-8 bytes. <paramref name="utf8"/> is a slice of
    /// the input sequence: no copy and no allocation, valid as long as the input buffer is. It may span segments; copy
    /// it (at most <paramref name="maxBytes"/>) when a span is needed. UTF-8 validity is the caller's check.
    /// </summary>
    public bool TryReadStringOrNil(int maxBytes, out ReadOnlySequence<byte> utf8, out bool isNil)
    {
        utf8 = default;
        isNil = false;
        if (!TryPeekHeader(out HeaderKind kind, out uint length, out int headerLength, out byte code))
        {
            return false;
        }

        if (code == MessagePackCode.Nil)
        {
            _reader.Advance(1);
            isNil = true;
            return true;
        }

        if (kind != HeaderKind.Str || headerLength == 0)
        {
            ThrowHelper.ThrowUnexpectedType("str or nil", code, Consumed);
        }

        if (length > (uint)maxBytes)
        {
            ThrowHelper.ThrowStringTooLong(Consumed, length, maxBytes);
        }

        if (length > _reader.Remaining - headerLength)
        {
            return false;
        }

        _reader.Advance(headerLength);
        utf8 = _reader.UnreadSequence.Slice(0, length);
        _reader.Advance(length);
        return true;
    }

    /// <summary>
    /// Skips one value of any type, nested up to <see cref="Limits.MaxSkipDepth"/>: how readers ignore fields a later
    /// version appends. Consumes nothing when the value is incomplete.
    /// </summary>
    public bool TrySkip()
    {
        long start = _reader.Consumed;
        if (TrySkipValue(depth: 0))
        {
            return true;
        }

        _reader.Rewind(_reader.Consumed - start);
        return false;
    }

    private bool TryReadCollectionHeader(HeaderKind expected, out int count)
    {
        count = 0;
        if (!TryPeekHeader(out HeaderKind kind, out uint raw, out int headerLength, out byte code))
        {
            return false;
        }

        if (kind != expected || headerLength == 0)
        {
            ThrowHelper.ThrowUnexpectedType(expected == HeaderKind.Array ? "array" : "map", code, Consumed);
        }

        // Every element takes at least one byte (a map entry two), so bound the count by the bytes that can follow.
        long elements = expected == HeaderKind.Map ? 2L * raw : raw;
        long legalBound = Limits.MaxBatchBytes - Consumed - headerLength;
        if (elements > legalBound)
        {
            ThrowHelper.ThrowCountExceedsRemainingBytes(Consumed, elements, Math.Max(legalBound, 0));
        }

        if (elements > _reader.Remaining - headerLength)
        {
            return false; // the message ends before its elements could: it can never complete
        }

        _reader.Advance(headerLength);
        count = (int)raw; // raw <= MaxBatchBytes, so it fits
        return true;
    }

    private readonly bool TryPeekInteger(out ulong value, out bool negative, out int length)
    {
        Status status = DecodeInteger(_reader.UnreadSpan, out value, out negative, out length);
        if (status == Status.Done)
        {
            return true;
        }

        if (status == Status.NeedMoreData)
        {
            return TryPeekIntegerSlow(out value, out negative, out length);
        }

        ThrowHelper.ThrowUnexpectedType("an integer", _reader.UnreadSpan[0], Consumed);
        return false;
    }

    // The token straddles segments (or the data ends): copy the few bytes it can need and decode from the copy.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly bool TryPeekIntegerSlow(out ulong value, out bool negative, out int length)
    {
        Span<byte> token = stackalloc byte[MaxIntegerTokenLength];
        token = token[..PeekInto(token)];
        Status status = DecodeInteger(token, out value, out negative, out length);
        if (status == Status.WrongType)
        {
            ThrowHelper.ThrowUnexpectedType("an integer", token[0], Consumed);
        }

        return status == Status.Done;
    }

    private readonly bool TryPeekHeader(out HeaderKind kind, out uint length, out int headerLength, out byte code)
    {
        ReadOnlySpan<byte> span = _reader.UnreadSpan;
        Status status = DecodeHeader(span, out kind, out length, out headerLength);
        if (status == Status.NeedMoreData)
        {
            return TryPeekHeaderSlow(out kind, out length, out headerLength, out code);
        }

        code = span[0];
        if (status == Status.WrongType)
        {
            headerLength = 0; // callers check the code (nil is fine for strings) and throw
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly bool TryPeekHeaderSlow(out HeaderKind kind, out uint length, out int headerLength, out byte code)
    {
        Span<byte> token = stackalloc byte[MaxHeaderLength];
        token = token[..PeekInto(token)];
        Status status = DecodeHeader(token, out kind, out length, out headerLength);
        code = token.IsEmpty ? (byte)0 : token[0];
        if (status == Status.WrongType)
        {
            headerLength = 0;
        }

        return status != Status.NeedMoreData;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadUuidSlow(out Guid value)
    {
        value = default;
        if (!TryPeekHeader(out HeaderKind kind, out uint length, out int headerLength, out byte code))
        {
            return false;
        }

        if (kind != HeaderKind.Bin || headerLength == 0)
        {
            ThrowHelper.ThrowUnexpectedType("a UUID (bin 8 of 16 bytes)", code, Consumed);
        }

        if (length != UuidLength)
        {
            ThrowHelper.ThrowBadUuidLength(Consumed, length);
        }

        if (_reader.Remaining < headerLength + UuidLength)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[UuidLength];
        _reader.Advance(headerLength);
        _reader.TryCopyTo(bytes); // cannot fail: Remaining was checked above
        _reader.Advance(UuidLength);
        value = new Guid(bytes, bigEndian: true);
        return true;
    }

    // Copies up to destination.Length unread bytes without consuming them; returns how many were copied.
    private readonly int PeekInto(Span<byte> destination)
    {
        ReadOnlySequence<byte> unread = _reader.UnreadSequence;
        int count = (int)Math.Min(unread.Length, destination.Length);
        unread.Slice(0, count).CopyTo(destination);
        return count;
    }

    private bool TrySkipValue(int depth)
    {
        if (!_reader.TryPeek(out byte code))
        {
            return false;
        }

        switch (code)
        {
            case <= MessagePackCode.MaxPositiveFixInt or >= MessagePackCode.MinNegativeFixInt:
            case MessagePackCode.Nil or MessagePackCode.False or MessagePackCode.True:
                return TrySkipBytes(1);
            case MessagePackCode.UInt8 or MessagePackCode.Int8:
                return TrySkipBytes(2);
            case MessagePackCode.UInt16 or MessagePackCode.Int16:
                return TrySkipBytes(3);
            case MessagePackCode.UInt32 or MessagePackCode.Int32 or MessagePackCode.Float32:
                return TrySkipBytes(5);
            case MessagePackCode.UInt64 or MessagePackCode.Int64 or MessagePackCode.Float64:
                return TrySkipBytes(9);
            case MessagePackCode.FixExt1:
                return TrySkipBytes(3); // type byte + ext type + 1 data byte
            case MessagePackCode.FixExt2:
                return TrySkipBytes(4);
            case MessagePackCode.FixExt4:
                return TrySkipBytes(6);
            case MessagePackCode.FixExt8:
                return TrySkipBytes(10);
            case MessagePackCode.FixExt16:
                return TrySkipBytes(18);
            case MessagePackCode.Ext8:
                return TrySkipSized(lengthBytes: 1, extraHeader: 1);
            case MessagePackCode.Ext16:
                return TrySkipSized(lengthBytes: 2, extraHeader: 1);
            case MessagePackCode.Ext32:
                return TrySkipSized(lengthBytes: 4, extraHeader: 1);
            case MessagePackCode.NeverUsed:
                ThrowHelper.ThrowInvalidTypeCode(Consumed);
                return false;
            default:
                return TrySkipHeaderValue(depth);
        }
    }

    // str, bin, array and map: the header gives a byte length or an element count.
    private bool TrySkipHeaderValue(int depth)
    {
        if (!TryPeekHeader(out HeaderKind kind, out uint length, out int headerLength, out _))
        {
            return false;
        }

        if (kind is HeaderKind.Str or HeaderKind.Bin)
        {
            return TrySkipPayload(headerLength, length);
        }

        if (depth >= Limits.MaxSkipDepth)
        {
            ThrowHelper.ThrowNestingTooDeep(Consumed);
        }

        bool read = kind == HeaderKind.Array ? TryReadArrayHeader(out int count) : TryReadMapHeader(out count);
        if (!read)
        {
            return false;
        }

        long elements = kind == HeaderKind.Map ? 2L * count : count;
        for (long i = 0; i < elements; i++)
        {
            if (!TrySkipValue(depth + 1))
            {
                return false; // TrySkip rewinds to the start of the outermost value
            }
        }

        return true;
    }

    private bool TrySkipSized(int lengthBytes, int extraHeader)
    {
        // ext 8/16/32: type byte, big-endian length, ext type byte, data. Cold path: peek byte by byte.
        uint length = 0;
        for (int i = 1; i <= lengthBytes; i++)
        {
            if (!_reader.TryPeek(i, out byte b))
            {
                return false;
            }

            length = (length << 8) | b;
        }

        return TrySkipPayload(1 + lengthBytes + extraHeader, length);
    }

    private bool TrySkipPayload(int headerLength, uint length)
    {
        long legalBound = Limits.MaxBatchBytes - Consumed - headerLength;
        if (length > legalBound)
        {
            ThrowHelper.ThrowLengthExceedsRemainingBytes(Consumed, length, Math.Max(legalBound, 0));
        }

        return TrySkipBytes(headerLength + length);
    }

    private bool TrySkipBytes(long count)
    {
        if (_reader.Remaining < count)
        {
            return false;
        }

        _reader.Advance(count);
        return true;
    }

    // Decodes an integer token at span[0]. Negative values come back sign-extended in value with negative = true.
    private static Status DecodeInteger(ReadOnlySpan<byte> span, out ulong value, out bool negative, out int length)
    {
        value = 0;
        negative = false;
        length = 0;
        if (span.IsEmpty)
        {
            return Status.NeedMoreData;
        }

        byte code = span[0];
        if (code <= MessagePackCode.MaxPositiveFixInt)
        {
            value = code;
            length = 1;
            return Status.Done;
        }

        if (code >= MessagePackCode.MinNegativeFixInt)
        {
            value = (ulong)(long)(sbyte)code;
            negative = true;
            length = 1;
            return Status.Done;
        }

        length = code switch
        {
            MessagePackCode.UInt8 or MessagePackCode.Int8 => 2,
            MessagePackCode.UInt16 or MessagePackCode.Int16 => 3,
            MessagePackCode.UInt32 or MessagePackCode.Int32 => 5,
            MessagePackCode.UInt64 or MessagePackCode.Int64 => 9,
            _ => 0,
        };
        if (length == 0)
        {
            return Status.WrongType;
        }

        if (span.Length < length)
        {
            return Status.NeedMoreData;
        }

        ReadOnlySpan<byte> payload = span[1..length];
        long signed;
        switch (code)
        {
            case MessagePackCode.UInt8:
                value = payload[0];
                return Status.Done;
            case MessagePackCode.UInt16:
                value = BinaryPrimitives.ReadUInt16BigEndian(payload);
                return Status.Done;
            case MessagePackCode.UInt32:
                value = BinaryPrimitives.ReadUInt32BigEndian(payload);
                return Status.Done;
            case MessagePackCode.UInt64:
                value = BinaryPrimitives.ReadUInt64BigEndian(payload);
                return Status.Done;
            case MessagePackCode.Int8:
                signed = (sbyte)payload[0];
                break;
            case MessagePackCode.Int16:
                signed = BinaryPrimitives.ReadInt16BigEndian(payload);
                break;
            case MessagePackCode.Int32:
                signed = BinaryPrimitives.ReadInt32BigEndian(payload);
                break;
            default:
                signed = BinaryPrimitives.ReadInt64BigEndian(payload);
                break;
        }

        value = (ulong)signed;
        negative = signed < 0;
        return Status.Done;
    }

    // Decodes an array, map, str or bin header at span[0]: its kind, the count or byte length, and the header size.
    private static Status DecodeHeader(ReadOnlySpan<byte> span, out HeaderKind kind, out uint length, out int headerLength)
    {
        kind = default;
        length = 0;
        headerLength = 0;
        if (span.IsEmpty)
        {
            return Status.NeedMoreData;
        }

        byte code = span[0];
        int lengthBytes;
        switch (code)
        {
            case >= MessagePackCode.MinFixMap and <= MessagePackCode.MaxFixMap:
                kind = HeaderKind.Map;
                length = code & 0x0fu;
                headerLength = 1;
                return Status.Done;
            case >= MessagePackCode.MinFixArray and <= MessagePackCode.MaxFixArray:
                kind = HeaderKind.Array;
                length = code & 0x0fu;
                headerLength = 1;
                return Status.Done;
            case >= MessagePackCode.MinFixStr and <= MessagePackCode.MaxFixStr:
                kind = HeaderKind.Str;
                length = code & 0x1fu;
                headerLength = 1;
                return Status.Done;
            case MessagePackCode.Str8:
                (kind, lengthBytes) = (HeaderKind.Str, 1);
                break;
            case MessagePackCode.Bin8:
                (kind, lengthBytes) = (HeaderKind.Bin, 1);
                break;
            case MessagePackCode.Str16:
                (kind, lengthBytes) = (HeaderKind.Str, 2);
                break;
            case MessagePackCode.Bin16:
                (kind, lengthBytes) = (HeaderKind.Bin, 2);
                break;
            case MessagePackCode.Array16:
                (kind, lengthBytes) = (HeaderKind.Array, 2);
                break;
            case MessagePackCode.Map16:
                (kind, lengthBytes) = (HeaderKind.Map, 2);
                break;
            case MessagePackCode.Str32:
                (kind, lengthBytes) = (HeaderKind.Str, 4);
                break;
            case MessagePackCode.Bin32:
                (kind, lengthBytes) = (HeaderKind.Bin, 4);
                break;
            case MessagePackCode.Array32:
                (kind, lengthBytes) = (HeaderKind.Array, 4);
                break;
            case MessagePackCode.Map32:
                (kind, lengthBytes) = (HeaderKind.Map, 4);
                break;
            default:
                return Status.WrongType;
        }

        if (span.Length <= lengthBytes)
        {
            return Status.NeedMoreData;
        }

        ReadOnlySpan<byte> payload = span.Slice(1, lengthBytes);
        length = lengthBytes switch
        {
            1 => payload[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(payload),
            _ => BinaryPrimitives.ReadUInt32BigEndian(payload),
        };
        headerLength = 1 + lengthBytes;
        return Status.Done;
    }
}
