using System.Buffers;

namespace Vpn.Perf.Shared.Wire.TrafficReport;

/// <summary>One-shot parse of a complete traffic batch body, built on <see cref="TrafficBatchReader"/>.</summary>
public static class TrafficBatchParser
{
    /// <summary>
    /// Parses <paramref name="body"/>, which must be exactly one batch within <paramref name="limits"/>, and feeds it to
    /// <paramref name="handler"/> in wire order. Throws <see cref="WireFormatException"/>: <see cref="WireError.Truncated"/>
    /// when the body ends early, <see cref="WireError.TrailingBytes"/> when bytes follow the batch, another reason for
    /// malformed input or a limit exceeded. The handler may already have seen the records before the malformed one.
    /// Allocates nothing.
    /// </summary>
    public static void Parse<THandler>(in ReadOnlySequence<byte> body, TrafficBatchLimits limits, ref THandler handler)
        where THandler : struct, ITrafficBatchHandler
    {
        if (body.Length > limits.MaxBatchBytes)
        {
            ThrowHelper.ThrowBodyTooLarge(body.Length, limits.MaxBatchBytes, "TrafficBatchLimits.MaxBatchBytes");
        }

        var reader = new TrafficBatchReader(body, limits);
        if (!reader.TryReadHeader(out BatchHeader header))
        {
            ThrowHelper.ThrowTruncated(body.Length);
        }

        handler.OnHeader(in header);
        for (int i = 0; i < header.ReportCount; i++)
        {
            if (!reader.TryReadReport(out TrafficReport report))
            {
                ThrowHelper.ThrowTruncated(body.Length);
            }

            handler.OnReport(in report);
        }

        if (!reader.TryReadAccessHeader(out int accessCount))
        {
            ThrowHelper.ThrowTruncated(body.Length);
        }

        handler.OnAccessCount(accessCount);
        if (accessCount > 0)
        {
            ParseAccess(ref reader, accessCount, body.Length, ref handler);
        }

        if (!reader.TryReadEnd())
        {
            ThrowHelper.ThrowTruncated(body.Length);
        }

        if (reader.Remaining != 0)
        {
            ThrowHelper.ThrowTrailingBytes(reader.Consumed, reader.Remaining);
        }
    }

    private static void ParseAccess<THandler>(ref TrafficBatchReader reader, int count, long bodyLength, ref THandler handler)
        where THandler : struct, ITrafficBatchHandler
    {
        // Once per batch, outside the loop: room for a note that straddles segments (MaxNoteBytes = 256).
        Span<byte> noteCopy = stackalloc byte[Limits.MaxNoteBytes];
        for (int i = 0; i < count; i++)
        {
            if (!reader.TryReadAccess(out AccessEvent accessEvent, out ReadOnlySpan<byte> note, out ReadOnlySequence<byte> splitNote, out bool hasNote))
            {
                ThrowHelper.ThrowTruncated(bodyLength);
            }

            scoped ReadOnlySpan<byte> noteSpan = note;
            if (!splitNote.IsEmpty)
            {
                splitNote.CopyTo(noteCopy);
                noteSpan = noteCopy[..(int)splitNote.Length];
            }

            handler.OnAccess(in accessEvent, noteSpan, hasNote);
        }
    }
}
