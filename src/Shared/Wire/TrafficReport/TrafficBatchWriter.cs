using System.Buffers;
using System.Runtime.CompilerServices;
using Vpn.Perf.Shared.Wire.MessagePack;

namespace Vpn.Perf.Shared.Wire.TrafficReport;

/// <summary>
/// Encodes a version 1 traffic batch (layout in <see cref="TrafficBatchLayout"/>) in the smallest MessagePack form.
/// Call <see cref="WriteHeader"/>, <see cref="WriteReport"/> for each declared report, <see cref="WriteAccessHeader"/>,
/// <see cref="WriteAccess"/> for each declared event, then <see cref="Complete"/>, which flushes to the output.
/// Writing a record out of order or more records than declared throws <see cref="InvalidOperationException"/>.
/// </summary>
public ref struct TrafficBatchWriter
{
    private MessagePackWriter _writer;
    private Stage _stage;
    private int _remaining; // records still owed to the array header last written

    public TrafficBatchWriter(IBufferWriter<byte> output)
    {
        _writer = new MessagePackWriter(output);
        _stage = Stage.Header;
    }

    /// <summary>Writes the batch array header, version, seq, sent_at and the reports array header.</summary>
    public void WriteHeader(in BatchHeader header)
    {
        CheckStage(Stage.Header);
        if (header.Version != TrafficBatchLayout.Version)
        {
            ThrowHelper.ThrowArgument("This writer writes version 1 only.", nameof(header));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(header.ReportCount);
        _writer.WriteArrayHeader(TrafficBatchLayout.BatchFieldCount);
        _writer.WriteUInt64(header.Version);
        _writer.WriteUInt64(header.Seq);
        _writer.WriteInt64(header.SentAtMs);
        _writer.WriteArrayHeader(header.ReportCount);
        _remaining = header.ReportCount;
        _stage = _remaining == 0 ? Stage.AccessHeader : Stage.Reports;
    }

    public void WriteReport(in TrafficReport report)
    {
        CheckStage(Stage.Reports);
        _writer.WriteArrayHeader(TrafficBatchLayout.ReportFieldCount);
        _writer.WriteUuid(report.SubscriptionId);
        _writer.WriteUuid(report.InboundId);
        _writer.WriteUInt64(report.BytesUp);
        _writer.WriteUInt64(report.BytesDown);
        _writer.WriteInt64(report.IntervalStart);
        _writer.WriteUInt64(report.IntervalSeconds);
        if (--_remaining == 0)
        {
            _stage = Stage.AccessHeader;
        }
    }

    public void WriteAccessHeader(int count)
    {
        CheckStage(Stage.AccessHeader);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _writer.WriteArrayHeader(count);
        _remaining = count;
        _stage = count == 0 ? Stage.End : Stage.Access;
    }

    /// <summary>Writes an access event; <paramref name="note"/> is UTF-8, written as nil when <paramref name="hasNote"/> is false.</summary>
    public void WriteAccess(in AccessEvent accessEvent, ReadOnlySpan<byte> note, bool hasNote)
    {
        CheckStage(Stage.Access);
        _writer.WriteArrayHeader(TrafficBatchLayout.AccessFieldCount);
        _writer.WriteUuid(accessEvent.EventId);
        _writer.WriteInt64(accessEvent.TimestampMs);
        _writer.WriteUuid(accessEvent.SubscriptionId);
        _writer.WriteUuid(accessEvent.InboundId);
        _writer.WriteUInt64(accessEvent.BytesUp);
        _writer.WriteUInt64(accessEvent.BytesDown);
        if (hasNote)
        {
            _writer.WriteString(note);
        }
        else
        {
            _writer.WriteNil();
        }

        if (--_remaining == 0)
        {
            _stage = Stage.End;
        }
    }

    /// <summary>Checks that every declared record was written and flushes the bytes to the output.</summary>
    public void Complete()
    {
        CheckStage(Stage.End);
        _writer.Flush();
        _stage = Stage.Done;
    }

    private readonly void CheckStage(Stage expected)
    {
        if (_stage != expected)
        {
            ThrowStageMismatch(expected);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowStageMismatch(Stage expected) => ThrowHelper.ThrowInvalidOperation(
        $"The writer expects {_stage}, not {expected}: write the header, each declared report, the access header, each declared event, then Complete().");

    // What the writer expects next, so parts out of order or short of their declared counts never reach the output.
    private enum Stage : byte
    {
        Header,
        Reports,
        AccessHeader,
        Access,
        End,
        Done,
    }
}
