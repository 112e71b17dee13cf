using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Vpn.Perf.Shared.Wire.MessagePack;

/// <summary>
/// Decoders of one MessagePack token at the start of a span, the codec's only decoder set. Each says that it decoded
/// the token and how many bytes the token took, that the token is of another type, or that the span ends inside it.
/// <see cref="MessagePackReader"/> calls them on the current segment and, for a token that straddles segments, on a
/// stack copy of its first bytes; a record fast path calls them on a record that lies wholly in one segment.
/// </summary>
/// <remarks>
/// They never throw and never judge a value (sign, range, limits): callers do, so each error is raised and worded in
/// one place. <c>tokenSize</c> is 0 unless the result is <see cref="DecodeResult.Success"/>, so a caller may add it to
/// its position unconditionally.
/// </remarks>
internal static class MessagePackPrimitives
{
    /// <summary>The longest integer token: uint 64 or int 64, a type byte and 8 payload bytes.</summary>
    public const int MaxIntegerTokenLength = 9;

    /// <summary>The longest str, bin, array, map or ext header: a type byte and 4 length bytes.</summary>
    public const int MaxHeaderLength = 5;

    /// <summary>Bytes of a UUID: bin payload of exactly this length, RFC 9562 network byte order.</summary>
    public const int UuidLength = 16;

    /// <summary>The longest UUID token, a bin 32 header and the 16 bytes (writers send bin 8: 18 bytes).</summary>
    public const int MaxUuidTokenLength = MaxHeaderLength + UuidLength;

    private const int Bin8UuidTokenLength = 2 + UuidLength; // bin 8: type byte, length byte, 16 bytes

    /// <summary>What a decoder found at the start of the span.</summary>
    public enum DecodeResult : byte
    {
        /// <summary>The token was decoded; <c>tokenSize</c> is its length.</summary>
        Success,

        /// <summary>The token is of another type (for a UUID: not a bin, or a bin of another length than 16).</summary>
        TokenMismatch,

        /// <summary>The span is empty or ends inside the token.</summary>
        InsufficientBuffer,
    }

    /// <summary>The kinds of token <see cref="TryReadHeader"/> decodes.</summary>
    public enum HeaderKind : byte
    {
        Array,
        Map,
        Str,
        Bin,
        Ext,
    }

    /// <summary>
    /// An integer in any encoding: positive or negative fixint, uint 8..64, int 8..64. A negative value comes back
    /// sign-extended in <paramref name="value"/> with <paramref name="negative"/> true, so <c>(long)value</c> restores it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DecodeResult TryReadInteger(ReadOnlySpan<byte> source, out ulong value, out bool negative, out int tokenSize)
    {
        // Positive fixints (counts, small fields) are decided inline; every wider form costs a call.
        if (!source.IsEmpty && source[0] <= MessagePackCode.MaxPositiveFixInt)
        {
            value = source[0];
            negative = false;
            tokenSize = 1;
            return DecodeResult.Success;
        }

        return TryReadIntegerToken(source, out value, out negative, out tokenSize);
    }

    /// <summary>
    /// A str, bin, array, map or ext 8/16/32 header: its kind, and the byte length (str, bin, ext data) or the element
    /// count (array; for a map, key/value pairs). An ext header ends before the ext type byte, which callers count with
    /// the data; fixext tokens have fixed sizes and are not headers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DecodeResult TryReadHeader(ReadOnlySpan<byte> source, out HeaderKind kind, out uint length, out int tokenSize)
    {
        // fixmap, fixarray and fixstr (0x80..0xbf) carry their length in the type byte: the records' own headers, inline.
        if (!source.IsEmpty && source[0] is >= MessagePackCode.MinFixMap and <= MessagePackCode.MaxFixStr)
        {
            byte code = source[0];
            (kind, length) = code switch
            {
                <= MessagePackCode.MaxFixMap => (HeaderKind.Map, code & 0x0fu),
                <= MessagePackCode.MaxFixArray => (HeaderKind.Array, code & 0x0fu),
                _ => (HeaderKind.Str, code & 0x1fu),
            };
            tokenSize = 1;
            return DecodeResult.Success;
        }

        return TryReadSizedHeader(source, out kind, out length, out tokenSize);
    }

    /// <summary>
    /// A UUID: a bin of exactly 16 bytes in RFC 9562 network byte order. Writers use bin 8; bin 16 and bin 32 headers
    /// with length 16 are accepted too, as any valid integer encoding is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static DecodeResult TryReadUuid(ReadOnlySpan<byte> source, out Guid value, out int tokenSize)
    {
        // Testing the length first lets the JIT drop the bounds checks on source[0], source[1] and the 16-byte slice.
        if (source.Length >= Bin8UuidTokenLength && source[0] == MessagePackCode.Bin8 && source[1] == UuidLength)
        {
            value = new Guid(source.Slice(2, UuidLength), bigEndian: true);
            tokenSize = Bin8UuidTokenLength;
            return DecodeResult.Success;
        }

        return TryReadUuidOtherHeader(source, out value, out tokenSize);
    }

    private static DecodeResult TryReadIntegerToken(ReadOnlySpan<byte> source, out ulong value, out bool negative, out int tokenSize)
    {
        value = 0;
        negative = false;
        tokenSize = 0;
        if (source.IsEmpty)
        {
            return DecodeResult.InsufficientBuffer;
        }

        byte code = source[0];
        if (code <= MessagePackCode.MaxPositiveFixInt)
        {
            value = code;
            tokenSize = 1;
            return DecodeResult.Success;
        }

        if (code >= MessagePackCode.MinNegativeFixInt)
        {
            value = (ulong)(long)(sbyte)code;
            negative = true;
            tokenSize = 1;
            return DecodeResult.Success;
        }

        int length = code switch
        {
            MessagePackCode.UInt8 or MessagePackCode.Int8 => 2,
            MessagePackCode.UInt16 or MessagePackCode.Int16 => 3,
            MessagePackCode.UInt32 or MessagePackCode.Int32 => 5,
            MessagePackCode.UInt64 or MessagePackCode.Int64 => 9,
            _ => 0,
        };
        if (length == 0)
        {
            return DecodeResult.TokenMismatch;
        }

        if (source.Length < length)
        {
            return DecodeResult.InsufficientBuffer;
        }

        ReadOnlySpan<byte> payload = source[1..length];
        switch (code)
        {
            case MessagePackCode.UInt8:
                value = payload[0];
                break;
            case MessagePackCode.UInt16:
                value = BinaryPrimitives.ReadUInt16BigEndian(payload);
                break;
            case MessagePackCode.UInt32:
                value = BinaryPrimitives.ReadUInt32BigEndian(payload);
                break;
            case MessagePackCode.UInt64:
                value = BinaryPrimitives.ReadUInt64BigEndian(payload);
                break;
            default:
                long signed = code switch
                {
                    MessagePackCode.Int8 => (sbyte)payload[0],
                    MessagePackCode.Int16 => BinaryPrimitives.ReadInt16BigEndian(payload),
                    MessagePackCode.Int32 => BinaryPrimitives.ReadInt32BigEndian(payload),
                    _ => BinaryPrimitives.ReadInt64BigEndian(payload),
                };
                value = (ulong)signed;
                negative = signed < 0;
                break;
        }

        tokenSize = length;
        return DecodeResult.Success;
    }

    // The headers whose length or count follows the type byte in 1, 2 or 4 bytes; the fix forms are TryReadHeader's.
    private static DecodeResult TryReadSizedHeader(ReadOnlySpan<byte> source, out HeaderKind kind, out uint length, out int tokenSize)
    {
        kind = default;
        length = 0;
        tokenSize = 0;
        if (source.IsEmpty)
        {
            return DecodeResult.InsufficientBuffer;
        }

        byte code = source[0];
        int lengthBytes;
        switch (code)
        {
            case MessagePackCode.Str8:
                (kind, lengthBytes) = (HeaderKind.Str, 1);
                break;
            case MessagePackCode.Bin8:
                (kind, lengthBytes) = (HeaderKind.Bin, 1);
                break;
            case MessagePackCode.Ext8:
                (kind, lengthBytes) = (HeaderKind.Ext, 1);
                break;
            case MessagePackCode.Str16:
                (kind, lengthBytes) = (HeaderKind.Str, 2);
                break;
            case MessagePackCode.Bin16:
                (kind, lengthBytes) = (HeaderKind.Bin, 2);
                break;
            case MessagePackCode.Ext16:
                (kind, lengthBytes) = (HeaderKind.Ext, 2);
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
            case MessagePackCode.Ext32:
                (kind, lengthBytes) = (HeaderKind.Ext, 4);
                break;
            case MessagePackCode.Array32:
                (kind, lengthBytes) = (HeaderKind.Array, 4);
                break;
            case MessagePackCode.Map32:
                (kind, lengthBytes) = (HeaderKind.Map, 4);
                break;
            default:
                return DecodeResult.TokenMismatch;
        }

        if (source.Length <= lengthBytes)
        {
            return DecodeResult.InsufficientBuffer;
        }

        ReadOnlySpan<byte> payload = source.Slice(1, lengthBytes);
        length = lengthBytes switch
        {
            1 => payload[0],
            2 => BinaryPrimitives.ReadUInt16BigEndian(payload),
            _ => BinaryPrimitives.ReadUInt32BigEndian(payload),
        };
        tokenSize = 1 + lengthBytes;
        return DecodeResult.Success;
    }

    // A bin 16 or bin 32 header, or not a UUID at all. The length is checked before the payload is looked for, so a bin
    // that declares gigabytes is a mismatch at once, not a wait for bytes that cannot come.
    private static DecodeResult TryReadUuidOtherHeader(ReadOnlySpan<byte> source, out Guid value, out int tokenSize)
    {
        value = default;
        tokenSize = 0;
        DecodeResult result = TryReadSizedHeader(source, out HeaderKind kind, out uint length, out int headerLength);
        if (result != DecodeResult.Success)
        {
            return result;
        }

        if (kind != HeaderKind.Bin || length != UuidLength)
        {
            return DecodeResult.TokenMismatch;
        }

        if (source.Length < headerLength + UuidLength)
        {
            return DecodeResult.InsufficientBuffer;
        }

        value = new Guid(source.Slice(headerLength, UuidLength), bigEndian: true);
        tokenSize = headerLength + UuidLength;
        return DecodeResult.Success;
    }
}
