using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Unicode;
using Vpn.Perf.Shared.Wire.MessagePack;
using DecodeResult = Vpn.Perf.Shared.Wire.MessagePack.MessagePackPrimitives.DecodeResult;
using HeaderKind = Vpn.Perf.Shared.Wire.MessagePack.MessagePackPrimitives.HeaderKind;

namespace Vpn.Perf.Shared.Wire.TrafficReport;

/// <summary>
/// Reads a whole traffic batch body (layout in <see cref="TrafficBatchLayout"/>) record by record, for
/// <see cref="TrafficBatchParser"/>, which calls in wire order: <see cref="TryReadHeader"/>, <see cref="TryReadReport"/>
/// once per report, <see cref="TryReadAccessHeader"/>, <see cref="TryReadAccess"/> once per event, <see cref="TryReadEnd"/>.
/// Each returns false when the body ends inside its record (the parser answers <see cref="WireError.Truncated"/> and
/// reads no further). Malformed input throws <see cref="WireFormatException"/>. Reading never allocates.
/// </summary>
/// <remarks>
/// Ingest holds the whole body before parsing it (the spool stores it as received), so nothing resumes a reader
/// mid-body: a false return is final, and what it consumed does not matter.
/// </remarks>
internal ref struct TrafficBatchReader
{
    private MessagePackReader _reader;
    private readonly int _maxReports;
    private readonly int _maxAccess;
    private int _index;          // position of the next record in the reports or access array, for error messages
    private int _trailingFields; // batch fields beyond version 1's five, skipped by TryReadEnd

    /// <param name="body">The whole body, at most <see cref="TrafficBatchLimits.MaxBatchBytes"/> long.</param>
    /// <param name="limits">The caller's bounds on the batch.</param>
    public TrafficBatchReader(in ReadOnlySequence<byte> body, TrafficBatchLimits limits)
    {
        _reader = new MessagePackReader(body, limits.MaxBatchBytes, Limits.MaxSkipDepth);
        _maxReports = limits.MaxReportsPerBatch;
        _maxAccess = limits.MaxAccessPerBatch;
    }

    /// <summary>Bytes of the body not consumed yet.</summary>
    public readonly long Remaining => _reader.Remaining;

    /// <summary>Offset in the body of the next unread byte.</summary>
    public readonly long Consumed => _reader.Consumed;

    /// <summary>Reads the batch array header, version, seq, sent_at and the reports array header.</summary>
    public bool TryReadHeader(out BatchHeader header)
    {
        header = default;
        if (!_reader.TryReadArrayHeader(out int fields))
        {
            return false;
        }

        if (fields == 0)
        {
            ThrowHelper.ThrowTooFewFields("Batch", -1, fields, TrafficBatchLayout.BatchFieldCount);
        }

        // The version comes before the field count check, so a future layout gets "unsupported version", not a
        // misleading complaint about its shape.
        if (!_reader.TryReadUInt32(out uint version))
        {
            return false;
        }

        if (version != TrafficBatchLayout.Version)
        {
            ThrowHelper.ThrowUnsupportedVersion(version, TrafficBatchLayout.Version);
        }

        if (fields < TrafficBatchLayout.BatchFieldCount)
        {
            ThrowHelper.ThrowTooFewFields("Batch", -1, fields, TrafficBatchLayout.BatchFieldCount);
        }

        if (!_reader.TryReadUInt64(out ulong seq)
            || !_reader.TryReadInt64(out long sentAtMs)
            || !_reader.TryReadArrayHeader(out int reportCount))
        {
            return false;
        }

        if (reportCount > _maxReports)
        {
            ThrowHelper.ThrowCountExceedsLimit("Report batch", reportCount, _maxReports, "TrafficBatchLimits.MaxReportsPerBatch");
        }

        _trailingFields = fields - TrafficBatchLayout.BatchFieldCount;
        header = new BatchHeader(version, seq, sentAtMs, reportCount);
        return true;
    }

    /// <summary>Reads the next of the reports the header announced.</summary>
    public bool TryReadReport(out TrafficReport report)
    {
        if (!TryReadReportFast(out report) && !TryReadReportFields(out report))
        {
            return false;
        }

        _index++;
        return true;
    }

    /// <summary>Reads the access array header: the number of access events that follow.</summary>
    public bool TryReadAccessHeader(out int count)
    {
        if (!_reader.TryReadArrayHeader(out count))
        {
            return false;
        }

        if (count > _maxAccess)
        {
            ThrowHelper.ThrowCountExceedsLimit("Access event array", count, _maxAccess, "TrafficBatchLimits.MaxAccessPerBatch");
        }

        _index = 0;
        return true;
    }

    /// <summary>
    /// Reads the next access event. Its note (valid UTF-8, at most <see cref="Limits.MaxNoteBytes"/> bytes) is
    /// <paramref name="note"/>, a slice of the input, when it lies in one segment (the usual case); otherwise
    /// <paramref name="note"/> is empty and <paramref name="splitNote"/> holds it. Both are empty, with
    /// <paramref name="hasNote"/> false, for nil.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadAccess(out AccessEvent accessEvent, out ReadOnlySpan<byte> note, out ReadOnlySequence<byte> splitNote, out bool hasNote)
    {
        splitNote = default;
        if (!TryReadAccessFast(out accessEvent, out note, out hasNote))
        {
            if (!TryReadAccessFields(out accessEvent, out ReadOnlySequence<byte> slowNote, out hasNote))
            {
                return false;
            }

            if (slowNote.IsSingleSegment)
            {
                note = slowNote.FirstSpan;
            }
            else
            {
                splitNote = slowNote;
            }
        }

        _index++;
        return true;
    }

    /// <summary>Skips batch fields a later version appended after the access array; then the batch is done.</summary>
    public bool TryReadEnd() => TrySkipFields(_trailingFields);

    // The fast paths decode a record that lies wholly in the current segment, in its usual shape (an array of exactly
    // the known fields, values in range), from one span with MessagePackPrimitives, and advance once. Anything else,
    // including every error, is left to the checked *Fields methods, so the accepted language and every error message
    // stay theirs.
    private bool TryReadReportFast(out TrafficReport report)
    {
        ReadOnlySpan<byte> span = _reader.UnreadSpan;
        int p = 0;
        if (NextArrayHeader(span, ref p, TrafficBatchLayout.ReportFieldCount)
            && NextUuid(span, ref p, out Guid subscriptionId)
            && NextUuid(span, ref p, out Guid inboundId)
            && NextUInt64(span, ref p, out ulong bytesUp)
            && NextUInt64(span, ref p, out ulong bytesDown)
            && NextInt64(span, ref p, out long intervalStart)
            && NextUInt64(span, ref p, out ulong intervalSeconds)
            && bytesUp <= Limits.MaxBytesPerReport && bytesDown <= Limits.MaxBytesPerReport
            && intervalSeconds <= Limits.MaxIntervalSeconds && (ulong)intervalStart <= Limits.MaxUnixSeconds)
        {
            _reader.Advance(p);
            report = new TrafficReport(subscriptionId, inboundId, bytesUp, bytesDown, intervalStart, (uint)intervalSeconds);
            return true;
        }

        report = default;
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryReadAccessFast(out AccessEvent accessEvent, out ReadOnlySpan<byte> note, out bool hasNote)
    {
        ReadOnlySpan<byte> span = _reader.UnreadSpan;
        int p = 0;
        if (NextArrayHeader(span, ref p, TrafficBatchLayout.AccessFieldCount)
            && NextUuid(span, ref p, out Guid eventId)
            && NextInt64(span, ref p, out long timestampMs)
            && NextUuid(span, ref p, out Guid subscriptionId)
            && NextUuid(span, ref p, out Guid inboundId)
            && NextUInt64(span, ref p, out ulong bytesUp)
            && NextUInt64(span, ref p, out ulong bytesDown)
            && bytesUp <= Limits.MaxBytesPerReport && bytesDown <= Limits.MaxBytesPerReport
            && (ulong)timestampMs <= Limits.MaxUnixSeconds * 1000
            && NextNoteHeader(span, ref p, out int noteLength, out bool isNil)
            && (isNil || Utf8.IsValid(span.Slice(p, noteLength))))
        {
            accessEvent = new AccessEvent(eventId, timestampMs, subscriptionId, inboundId, bytesUp, bytesDown);
            hasNote = !isNil;
            // The note is read where it lies: no sequence slice for a span the caller reads at once.
            note = span.Slice(p, noteLength);
            _reader.Advance(p + noteLength);
            return true;
        }

        accessEvent = default;
        note = default;
        hasNote = false;
        return false;
    }

    // Steps of the fast paths: each decodes the token at span[position] and moves position past it, and is false for
    // anything but the plain case (then position no longer matters: the checked path reads the record again).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NextArrayHeader(ReadOnlySpan<byte> span, ref int position, int fields)
    {
        bool ok = MessagePackPrimitives.TryReadHeader(span[position..], out HeaderKind kind, out uint count, out int length) == DecodeResult.Success
            && kind == HeaderKind.Array && count == (uint)fields;
        position += length;
        return ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NextUuid(ReadOnlySpan<byte> span, ref int position, out Guid value)
    {
        bool ok = MessagePackPrimitives.TryReadUuid(span[position..], out value, out int length) == DecodeResult.Success;
        position += length;
        return ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NextUInt64(ReadOnlySpan<byte> span, ref int position, out ulong value)
    {
        bool ok = MessagePackPrimitives.TryReadInteger(span[position..], out value, out bool negative, out int length) == DecodeResult.Success
            && !negative;
        position += length;
        return ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NextInt64(ReadOnlySpan<byte> span, ref int position, out long value)
    {
        bool ok = MessagePackPrimitives.TryReadInteger(span[position..], out ulong raw, out bool negative, out int length) == DecodeResult.Success
            && (negative || raw <= long.MaxValue);
        position += length;
        value = (long)raw; // negative values come sign-extended, so this cast restores them
        return ok;
    }

    // A nil, or a str of at most MaxNoteBytes whose bytes lie in the span too; position stops at the string's bytes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool NextNoteHeader(ReadOnlySpan<byte> span, ref int position, out int noteLength, out bool isNil)
    {
        noteLength = 0;
        isNil = (uint)position < (uint)span.Length && span[position] == MessagePackCode.Nil;
        if (isNil)
        {
            position++;
            return true;
        }

        bool ok = MessagePackPrimitives.TryReadHeader(span[position..], out HeaderKind kind, out uint utf8Length, out int length) == DecodeResult.Success
            && kind == HeaderKind.Str && utf8Length <= Limits.MaxNoteBytes && position + length + (int)utf8Length <= span.Length;
        position += length;
        noteLength = (int)utf8Length;
        return ok;
    }

    private bool TryReadReportFields(out TrafficReport report)
    {
        report = default;
        if (!_reader.TryReadArrayHeader(out int fields))
        {
            return false;
        }

        if (fields < TrafficBatchLayout.ReportFieldCount)
        {
            ThrowHelper.ThrowTooFewFields("Report", _index, fields, TrafficBatchLayout.ReportFieldCount);
        }

        if (!_reader.TryReadUuid(out Guid subscriptionId)
            || !_reader.TryReadUuid(out Guid inboundId)
            || !_reader.TryReadUInt64(out ulong bytesUp)
            || !_reader.TryReadUInt64(out ulong bytesDown)
            || !_reader.TryReadInt64(out long intervalStart)
            || !_reader.TryReadUInt32(out uint intervalSeconds))
        {
            return false;
        }

        // The cold helper finds out which field it was, keeping the message formatting out of this method.
        if (bytesUp > Limits.MaxBytesPerReport || bytesDown > Limits.MaxBytesPerReport || intervalSeconds > Limits.MaxIntervalSeconds)
        {
            ThrowReportOutOfRange(bytesUp, bytesDown, intervalSeconds);
        }

        // Negative times wrap to huge unsigned values, so one unsigned compare checks both ends.
        if ((ulong)intervalStart > Limits.MaxUnixSeconds)
        {
            ThrowHelper.ThrowTimeOutOfRange("Report", _index, "interval_start", intervalStart, Limits.MaxUnixSeconds);
        }

        if (!TrySkipFields(fields - TrafficBatchLayout.ReportFieldCount))
        {
            return false;
        }

        report = new TrafficReport(subscriptionId, inboundId, bytesUp, bytesDown, intervalStart, intervalSeconds);
        return true;
    }

    private bool TryReadAccessFields(out AccessEvent accessEvent, out ReadOnlySequence<byte> note, out bool hasNote)
    {
        accessEvent = default;
        note = default;
        hasNote = false;
        if (!_reader.TryReadArrayHeader(out int fields))
        {
            return false;
        }

        if (fields < TrafficBatchLayout.AccessFieldCount)
        {
            ThrowHelper.ThrowTooFewFields("Access event", _index, fields, TrafficBatchLayout.AccessFieldCount);
        }

        if (!_reader.TryReadUuid(out Guid eventId)
            || !_reader.TryReadInt64(out long timestampMs)
            || !_reader.TryReadUuid(out Guid subscriptionId)
            || !_reader.TryReadUuid(out Guid inboundId)
            || !_reader.TryReadUInt64(out ulong bytesUp)
            || !_reader.TryReadUInt64(out ulong bytesDown))
        {
            return false;
        }

        if (bytesUp > Limits.MaxBytesPerReport || bytesDown > Limits.MaxBytesPerReport)
        {
            ThrowAccessOutOfRange(bytesUp, bytesDown);
        }

        if ((ulong)timestampMs > Limits.MaxUnixSeconds * 1000)
        {
            ThrowHelper.ThrowTimeOutOfRange("Access event", _index, "ts", timestampMs, Limits.MaxUnixSeconds * 1000);
        }

        if (!_reader.TryReadStringOrNil(Limits.MaxNoteBytes, out note, out bool isNil))
        {
            return false;
        }

        if (!isNil && !IsValidUtf8(note))
        {
            ThrowHelper.ThrowInvalidUtf8("Access event", _index, "note");
        }

        if (!TrySkipFields(fields - TrafficBatchLayout.AccessFieldCount))
        {
            return false;
        }

        hasNote = !isNil;
        accessEvent = new AccessEvent(eventId, timestampMs, subscriptionId, inboundId, bytesUp, bytesDown);
        return true;
    }

    private bool TrySkipFields(int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (!_reader.TrySkip())
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsValidUtf8(in ReadOnlySequence<byte> utf8) =>
        utf8.IsSingleSegment ? Utf8.IsValid(utf8.FirstSpan) : IsValidUtf8MultiSegment(utf8);

    // A code point may straddle segments, so validate a contiguous copy; notes are capped at MaxNoteBytes (256).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool IsValidUtf8MultiSegment(in ReadOnlySequence<byte> utf8)
    {
        Span<byte> copy = stackalloc byte[Limits.MaxNoteBytes];
        copy = copy[..(int)utf8.Length];
        utf8.CopyTo(copy);
        return Utf8.IsValid(copy);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowReportOutOfRange(ulong bytesUp, ulong bytesDown, uint intervalSeconds)
    {
        if (bytesUp > Limits.MaxBytesPerReport)
        {
            ThrowHelper.ThrowValueOutOfRange("Report", _index, "bytes_up", bytesUp, Limits.MaxBytesPerReport, "Limits.MaxBytesPerReport");
        }

        if (bytesDown > Limits.MaxBytesPerReport)
        {
            ThrowHelper.ThrowValueOutOfRange("Report", _index, "bytes_down", bytesDown, Limits.MaxBytesPerReport, "Limits.MaxBytesPerReport");
        }

        ThrowHelper.ThrowValueOutOfRange("Report", _index, "interval_seconds", intervalSeconds, Limits.MaxIntervalSeconds, "Limits.MaxIntervalSeconds");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowAccessOutOfRange(ulong bytesUp, ulong bytesDown)
    {
        (string field, ulong value) = bytesUp > Limits.MaxBytesPerReport ? ("bytes_up", bytesUp) : ("bytes_down", bytesDown);
        ThrowHelper.ThrowValueOutOfRange("Access event", _index, field, value, Limits.MaxBytesPerReport, "Limits.MaxBytesPerReport");
    }
}
