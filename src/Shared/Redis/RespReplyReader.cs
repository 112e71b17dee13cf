using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Text;

namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// Reads RESP2 replies from a <see cref="ReadOnlySequence{T}"/> as the socket delivers it.
/// <para>
/// Layout: every reply starts with a type byte. <c>+text\r\n</c> simple string, <c>-text\r\n</c> error,
/// <c>:digits\r\n</c> integer, <c>$len\r\n&lt;len bytes&gt;\r\n</c> bulk string (<c>$-1\r\n</c> null),
/// <c>*count\r\n</c> followed by count replies (<c>*-1\r\n</c> null).
/// </para>
/// <para>
/// Outcomes: <see cref="TryRead"/> returns true with one whole reply; false when the buffer ends inside a reply, in
/// which case <see cref="Position"/> has not moved (the caller advances to it, examined = buffer end, and retries
/// with more bytes); a malformed stream throws <see cref="RespProtocolException"/>. Every length and count is checked
/// against <see cref="RespLimits"/> before anything is allocated for it.
/// </para>
/// </summary>
internal ref struct RespReplyReader
{
    // An element takes at least 3 bytes ("+\r\n"), so an array count above remaining/3 cannot be complete yet.
    private const int MinElementBytes = 3;

    private SequenceReader<byte> _reader;

    public RespReplyReader(ReadOnlySequence<byte> buffer) => _reader = new SequenceReader<byte>(buffer);

    /// <summary>The end of the last whole reply read: the "consumed" position for <c>PipeReader.AdvanceTo</c>.</summary>
    public readonly SequencePosition Position => _reader.Position;

    /// <summary>Bytes of whole replies read so far.</summary>
    public readonly long Consumed => _reader.Consumed;

    /// <summary>Reads one whole reply; false (consuming nothing) when more bytes are needed.</summary>
    public bool TryRead(out RespValue value)
    {
        // SequenceReader is a struct: a copy is a checkpoint to rewind to when the reply is incomplete.
        SequenceReader<byte> checkpoint = _reader;
        if (TryReadValue(ref _reader, 0, out value))
            return true;
        _reader = checkpoint;
        value = default;
        return false;
    }

    private static bool TryReadValue(ref SequenceReader<byte> reader, int depth, out RespValue value)
    {
        value = default;
        if (!reader.TryRead(out byte prefix))
            return false;
        switch (prefix)
        {
            case (byte)'+':
                if (!TryReadLine(ref reader, out string? simple))
                    return false;
                value = RespValue.SimpleString(simple);
                return true;
            case (byte)'-':
                if (!TryReadLine(ref reader, out string? error))
                    return false;
                value = RespValue.Error(error);
                return true;
            case (byte)':':
                if (!TryReadInteger(ref reader, out long integer))
                    return false;
                value = RespValue.Integer(integer);
                return true;
            case (byte)'$':
                return TryReadBulk(ref reader, out value);
            case (byte)'*':
                return TryReadArray(ref reader, depth, out value);
            default:
                RedisThrowHelper.ThrowUnknownPrefix(prefix);
                return false;
        }
    }

    private static bool TryReadBulk(ref SequenceReader<byte> reader, out RespValue value)
    {
        value = default;
        if (!TryReadInteger(ref reader, out long length))
            return false;
        if (length < 0)
        {
            if (length != -1)
                RedisThrowHelper.ThrowNegativeLength(length);
            value = RespValue.BulkString(null);
            return true;
        }
        // Limit first: a hostile "$2147483647" fails here, before we wait for (or allocate) its body.
        if (length > RespLimits.MaxBulkBytes)
            RedisThrowHelper.ThrowBulkTooLong(length);
        // Body plus CRLF must all be buffered before we allocate, so an incomplete 1 MiB reply that is re-read on
        // every socket read allocates nothing until it is complete.
        if (reader.Remaining < length + 2)
            return false;
        byte[] body;
        if (length == 0)
        {
            body = [];
        }
        else
        {
            body = GC.AllocateUninitializedArray<byte>((int)length);
            reader.TryCopyTo(body); // cannot fail: Remaining was checked above
            reader.Advance(length);
        }
        if (!reader.IsNext("\r\n"u8, advancePast: true))
            RedisThrowHelper.ThrowMissingCrlf();
        value = RespValue.BulkString(body);
        return true;
    }

    private static bool TryReadArray(ref SequenceReader<byte> reader, int depth, out RespValue value)
    {
        value = default;
        if (!TryReadInteger(ref reader, out long count))
            return false;
        if (count < 0)
        {
            if (count != -1)
                RedisThrowHelper.ThrowNegativeLength(count);
            value = RespValue.Array(null);
            return true;
        }
        if (count > RespLimits.MaxArrayLength)
            RedisThrowHelper.ThrowArrayTooLong(count);
        if (depth >= RespLimits.MaxNestingDepth)
            RedisThrowHelper.ThrowNestingTooDeep();
        if (count == 0)
        {
            value = RespValue.Array([]);
            return true;
        }
        // Allocate only when the elements could all be buffered: bounds the array to what the peer actually sent
        // and keeps a re-read of an incomplete reply from allocating a large array each time.
        if (count > reader.Remaining / MinElementBytes)
            return false;
        var items = new RespValue[count];
        for (int i = 0; i < items.Length; i++)
        {
            if (!TryReadValue(ref reader, depth + 1, out items[i]))
                return false;
        }
        value = RespValue.Array(items);
        return true;
    }

    /// <summary>Reads the digits of an integer, length or count line and its CRLF.</summary>
    private static bool TryReadInteger(ref SequenceReader<byte> reader, out long value)
    {
        ReadOnlySpan<byte> span = reader.UnreadSpan;
        // Look no further than the longest legal line so a hostile run of digits costs O(1) here.
        int window = Math.Min(span.Length, RespLimits.MaxIntegerDigits + 2);
        int cr = span[..window].IndexOf((byte)'\r');
        // Fast path: CR and LF both in the current segment. As unsigned, cr == -1 is the largest value, so one
        // comparison rejects "no CR" and "CR is the last byte" (span.Length == 0 makes the bound the largest value too,
        // but then cr is -1 as well).
        if ((uint)cr < (uint)(span.Length - 1))
        {
            if (span[cr + 1] != (byte)'\n')
                RedisThrowHelper.ThrowMissingCrlf();
            value = ParseInteger(span[..cr]);
            reader.Advance(cr + 2);
            return true;
        }
        return TryReadIntegerSlow(ref reader, out value);
    }

    /// <summary>The line crosses a segment boundary or is incomplete: copy at most one legal line to the stack.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryReadIntegerSlow(ref SequenceReader<byte> reader, out long value)
    {
        value = 0;
        // 20 characters (sign + 19 digits) + CRLF = 22 bytes, the longest legal integer line.
        Span<byte> line = stackalloc byte[RespLimits.MaxIntegerDigits + 2];
        int available = (int)Math.Min(reader.Remaining, line.Length);
        line = line[..available];
        reader.TryCopyTo(line); // cannot fail: available <= Remaining
        int cr = line.IndexOf((byte)'\r');
        if (cr < 0)
        {
            if (available == RespLimits.MaxIntegerDigits + 2)
                RedisThrowHelper.ThrowIntegerLineTooLong();
            return false;
        }
        if (cr + 1 == available)
            return false; // the LF has not arrived yet
        if (line[cr + 1] != (byte)'\n')
            RedisThrowHelper.ThrowMissingCrlf();
        value = ParseInteger(line[..cr]);
        reader.Advance(cr + 2);
        return true;
    }

    private static long ParseInteger(ReadOnlySpan<byte> digits)
    {
        // Utf8Parser accepts a leading sign and stops at the first non-digit; demand that it used every byte.
        if (digits.IsEmpty || digits[0] == (byte)'+'
            || !Utf8Parser.TryParse(digits, out long value, out int used) || used != digits.Length)
        {
            RedisThrowHelper.ThrowInvalidInteger(digits.Length);
            return 0;
        }
        return value;
    }

    /// <summary>Reads a simple string or error line up to CRLF as text.</summary>
    private static bool TryReadLine(ref SequenceReader<byte> reader, out string value)
    {
        value = "";
        SequenceReader<byte> probe = reader;
        if (!probe.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\r', advancePastDelimiter: true))
        {
            if (reader.Remaining > RespLimits.MaxLineBytes)
                RedisThrowHelper.ThrowLineTooLong();
            return false;
        }
        if (line.Length > RespLimits.MaxLineBytes)
            RedisThrowHelper.ThrowLineTooLong();
        if (!probe.TryRead(out byte lf))
            return false;
        if (lf != (byte)'\n')
            RedisThrowHelper.ThrowMissingCrlf();
        value = Decode(line);
        reader = probe;
        return true;
    }

    private static string Decode(in ReadOnlySequence<byte> line)
    {
        // The replies to nearly every write are "+OK" (and "+PONG" to a ping): hand out one string for them.
        if (line.IsSingleSegment)
        {
            ReadOnlySpan<byte> span = line.FirstSpan;
            if (span.SequenceEqual("OK"u8))
                return "OK";
            if (span.SequenceEqual("PONG"u8))
                return "PONG";
            return Encoding.UTF8.GetString(span);
        }
        return Encoding.UTF8.GetString(line);
    }
}
