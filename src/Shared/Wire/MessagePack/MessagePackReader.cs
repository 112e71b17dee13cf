using System.Buffers;
using System.Runtime.CompilerServices;
using DecodeResult = Vpn.Perf.Shared.Wire.MessagePack.MessagePackPrimitives.DecodeResult;
using HeaderKind = Vpn.Perf.Shared.Wire.MessagePack.MessagePackPrimitives.HeaderKind;

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
/// bytes a message of the caller's maximum size can still hold throws; a count larger than the bytes actually left
/// returns <c>false</c> at once (the message can never complete: callers report <see cref="WireError.Truncated"/>).</para>
/// <para>Strings come back as a slice of the input sequence (no copy, no allocation); see <see cref="TryReadStringOrNil"/>.</para>
/// <para>Tokens are decoded by <see cref="MessagePackPrimitives"/>: from the current segment when the token lies in it,
/// else from a stack copy of its first bytes (at most <see cref="MessagePackPrimitives.MaxUuidTokenLength"/>).</para>
/// </remarks>
public ref struct MessagePackReader
{
    private SequenceReader<byte> _reader;
    private readonly int _maxMessageBytes;
    private readonly int _maxSkipDepth;

    /// <param name="message">The whole message, at most <paramref name="maxMessageBytes"/> long.</param>
    /// <param name="maxMessageBytes">Largest message the caller accepts: the bound on declared counts and lengths.</param>
    /// <param name="maxSkipDepth">Deepest nesting <see cref="TrySkip"/> follows; skipping recurses, so this bounds
    /// stack use against <c>[[[[...]]]]</c>.</param>
    public MessagePackReader(in ReadOnlySequence<byte> message, int maxMessageBytes, int maxSkipDepth)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(message.Length, maxMessageBytes, nameof(message));
        ArgumentOutOfRangeException.ThrowIfNegative(maxSkipDepth);
        _reader = new SequenceReader<byte>(message);
        _maxMessageBytes = maxMessageBytes;
        _maxSkipDepth = maxSkipDepth;
    }

    /// <summary>Bytes consumed so far: the offset of the next byte in the message.</summary>
    public readonly long Consumed => _reader.Consumed;

    /// <summary>Bytes left in the message.</summary>
    public readonly long Remaining => _reader.Remaining;

    /// <summary>True when every byte of the message has been consumed.</summary>
    public readonly bool End => _reader.End;

    /// <summary>
    /// The unread bytes of the current segment, for a record fast path that decodes a whole record from them with
    /// <see cref="MessagePackPrimitives"/> and then consumes it with <see cref="Advance"/>.
    /// </summary>
    internal readonly ReadOnlySpan<byte> UnreadSpan => _reader.UnreadSpan;

    /// <summary>Consumes <paramref name="count"/> bytes that a fast path decoded from <see cref="UnreadSpan"/>.</summary>
    internal void Advance(int count) => _reader.Advance(count);

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
        DecodeResult result = MessagePackPrimitives.TryReadUuid(_reader.UnreadSpan, out value, out int length);
        if (result == DecodeResult.Success)
        {
            _reader.Advance(length);
            return true;
        }

        return TryReadUuidSlow(result, out value);
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
    /// Skips one value of any type, nested up to the depth the constructor was given: how readers ignore fields a later
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
        long legalBound = _maxMessageBytes - Consumed - headerLength;
        if (elements > legalBound)
        {
            ThrowHelper.ThrowCountExceedsRemainingBytes(Consumed, elements, Math.Max(legalBound, 0), _maxMessageBytes);
        }

        if (elements > _reader.Remaining - headerLength)
        {
            return false; // the message ends before its elements could: it can never complete
        }

        _reader.Advance(headerLength);
        count = (int)raw; // raw <= maxMessageBytes, an int, so it fits
        return true;
    }

    private readonly bool TryPeekInteger(out ulong value, out bool negative, out int length)
    {
        DecodeResult result = MessagePackPrimitives.TryReadInteger(_reader.UnreadSpan, out value, out negative, out length);
        if (result == DecodeResult.Success)
        {
            return true;
        }

        if (result == DecodeResult.InsufficientBuffer)
        {
            return TryPeekIntegerSlow(out value, out negative, out length);
        }

        ThrowHelper.ThrowUnexpectedType("an integer", _reader.UnreadSpan[0], Consumed);
        return false;
    }

    // The token straddles segments (or the message ends inside it): copy the few bytes it can need and decode the copy.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly bool TryPeekIntegerSlow(out ulong value, out bool negative, out int length)
    {
        Span<byte> token = stackalloc byte[MessagePackPrimitives.MaxIntegerTokenLength];
        token = token[..PeekInto(token)];
        DecodeResult result = MessagePackPrimitives.TryReadInteger(token, out value, out negative, out length);
        if (result == DecodeResult.TokenMismatch)
        {
            ThrowHelper.ThrowUnexpectedType("an integer", token[0], Consumed);
        }

        return result == DecodeResult.Success;
    }

    // headerLength is 0 when the token is no header at all; callers check code (nil is fine for strings) and throw.
    private readonly bool TryPeekHeader(out HeaderKind kind, out uint length, out int headerLength, out byte code)
    {
        ReadOnlySpan<byte> span = _reader.UnreadSpan;
        DecodeResult result = MessagePackPrimitives.TryReadHeader(span, out kind, out length, out headerLength);
        if (result == DecodeResult.InsufficientBuffer)
        {
            return TryPeekHeaderSlow(out kind, out length, out headerLength, out code);
        }

        code = span[0];
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly bool TryPeekHeaderSlow(out HeaderKind kind, out uint length, out int headerLength, out byte code)
    {
        Span<byte> token = stackalloc byte[MessagePackPrimitives.MaxHeaderLength];
        token = token[..PeekInto(token)];
        DecodeResult result = MessagePackPrimitives.TryReadHeader(token, out kind, out length, out headerLength);
        code = token.IsEmpty ? (byte)0 : token[0];
        return result != DecodeResult.InsufficientBuffer;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadUuidSlow(DecodeResult result, out Guid value)
    {
        if (result == DecodeResult.InsufficientBuffer)
        {
            Span<byte> token = stackalloc byte[MessagePackPrimitives.MaxUuidTokenLength];
            token = token[..PeekInto(token)];
            result = MessagePackPrimitives.TryReadUuid(token, out value, out int length);
            if (result == DecodeResult.Success)
            {
                _reader.Advance(length);
                return true;
            }

            if (result == DecodeResult.InsufficientBuffer)
            {
                return false;
            }
        }

        // Not a bin of 16: the header alone tells which error it is.
        TryPeekHeader(out HeaderKind kind, out uint binLength, out int headerLength, out byte code);
        if (kind != HeaderKind.Bin || headerLength == 0)
        {
            ThrowHelper.ThrowUnexpectedType("a UUID (bin 8 of 16 bytes)", code, Consumed);
        }

        ThrowHelper.ThrowBadUuidLength(Consumed, binLength);
        value = default;
        return false;
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
            case MessagePackCode.NeverUsed:
                ThrowHelper.ThrowInvalidTypeCode(Consumed);
                return false;
            default:
                return TrySkipHeaderValue(depth);
        }
    }

    // str, bin, ext, array and map: the header gives a byte length or an element count.
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

        if (kind == HeaderKind.Ext)
        {
            return TrySkipPayload(headerLength + 1, length); // the ext type byte follows the header
        }

        if (depth >= _maxSkipDepth)
        {
            ThrowHelper.ThrowNestingTooDeep(Consumed, _maxSkipDepth);
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

    private bool TrySkipPayload(int headerLength, uint length)
    {
        long legalBound = _maxMessageBytes - Consumed - headerLength;
        if (length > legalBound)
        {
            ThrowHelper.ThrowLengthExceedsRemainingBytes(Consumed, length, Math.Max(legalBound, 0), _maxMessageBytes);
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
}
