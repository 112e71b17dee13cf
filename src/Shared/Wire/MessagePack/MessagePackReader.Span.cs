using System.Buffers;
using System.Runtime.CompilerServices;

namespace Vpn.Perf.Shared.Wire.MessagePack;

/// <summary>
/// Span fast paths: a caller that finds a whole record in the current segment decodes its tokens from one span with a
/// local index and advances the reader once, instead of paying the sequence reader's bookkeeping per token.
/// </summary>
/// <remarks>
/// Every <c>TryDecode*</c> returns false for anything but the plain, valid case (wrong type, out of range, incomplete):
/// the caller then drops the fast path and reads the record again with the checked <c>TryRead*</c> methods, which throw
/// the specific error. So the fast path never decides what is malformed and never changes what is accepted.
/// </remarks>
public ref partial struct MessagePackReader
{
    /// <summary>The unread bytes of the current segment.</summary>
    internal readonly ReadOnlySpan<byte> UnreadSpan => _reader.UnreadSpan;

    /// <summary>Consumes <paramref name="count"/> bytes that a fast path decoded from <see cref="UnreadSpan"/>.</summary>
    internal void Advance(int count) => _reader.Advance(count);

    /// <summary>The next <paramref name="length"/> bytes as a slice of the input, after skipping <paramref name="skip"/>; consumes both.</summary>
    internal ReadOnlySequence<byte> AdvancePastSlice(int skip, int length)
    {
        _reader.Advance(skip);
        ReadOnlySequence<byte> slice = _reader.Sequence.Slice(_reader.Position, length);
        _reader.Advance(length);
        return slice;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryDecodeUuid(ReadOnlySpan<byte> span, ref int position, out Guid value)
    {
        int p = position;
        if ((uint)(p + MinUuidTokenLength) <= (uint)span.Length && span[p] == MessagePackCode.Bin8 && span[p + 1] == UuidLength)
        {
            value = new Guid(span.Slice(p + 2, UuidLength), bigEndian: true);
            position = p + MinUuidTokenLength;
            return true;
        }

        value = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryDecodeUInt64(ReadOnlySpan<byte> span, ref int position, out ulong value)
    {
        int p = position;
        if ((uint)p < (uint)span.Length && span[p] <= MessagePackCode.MaxPositiveFixInt)
        {
            value = span[p];
            position = p + 1;
            return true;
        }

        return TryDecodeIntegerSlow(span, ref position, out value, out bool negative) && !negative;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryDecodeUInt32(ReadOnlySpan<byte> span, ref int position, out uint value)
    {
        bool ok = TryDecodeUInt64(span, ref position, out ulong raw) && raw <= uint.MaxValue;
        value = (uint)raw;
        return ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryDecodeInt64(ReadOnlySpan<byte> span, ref int position, out long value)
    {
        bool ok = TryDecodeIntegerSlow(span, ref position, out ulong raw, out bool negative) && (negative || raw <= long.MaxValue);
        value = (long)raw;
        return ok;
    }

    /// <summary>A fixarray header of at least <paramref name="minCount"/> items; other encodings go the checked way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryDecodeFixArrayHeader(ReadOnlySpan<byte> span, ref int position, int minCount, out int count)
    {
        int p = position;
        if ((uint)p < (uint)span.Length && span[p] is >= MessagePackCode.MinFixArray and <= MessagePackCode.MaxFixArray)
        {
            count = span[p] - MessagePackCode.MinFixArray;
            position = p + 1;
            return count >= minCount;
        }

        count = 0;
        return false;
    }

    /// <summary>A nil, or a fixstr / str 8 of at most <paramref name="maxBytes"/> bytes wholly in <paramref name="span"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryDecodeStringOrNilHeader(ReadOnlySpan<byte> span, ref int position, int maxBytes, out int length, out bool isNil)
    {
        int p = position;
        length = 0;
        isNil = false;
        if ((uint)p >= (uint)span.Length)
        {
            return false;
        }

        byte code = span[p];
        int header;
        if (code == MessagePackCode.Nil)
        {
            isNil = true;
            position = p + 1;
            return true;
        }

        if (code is >= MessagePackCode.MinFixStr and <= MessagePackCode.MaxFixStr)
        {
            length = code - MessagePackCode.MinFixStr;
            header = 1;
        }
        else if (code == MessagePackCode.Str8 && (uint)(p + 1) < (uint)span.Length)
        {
            length = span[p + 1];
            header = 2;
        }
        else
        {
            return false;
        }

        if (length > maxBytes || p + header + length > span.Length)
        {
            return false;
        }

        position = p + header;
        return true;
    }

    private static bool TryDecodeIntegerSlow(ReadOnlySpan<byte> span, ref int position, out ulong value, out bool negative)
    {
        int p = position;
        if ((uint)p < (uint)span.Length && DecodeInteger(span[p..], out value, out negative, out int length) == Status.Done)
        {
            position = p + length;
            return true;
        }

        value = 0;
        negative = false;
        return false;
    }
}
