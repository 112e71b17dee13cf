using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Wire.RowBinary;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// Turns one spooled batch into RowBinary rows for <c>traffic</c> and <c>access_log</c> as the parser walks
/// it: no intermediate objects, each row written straight into the pooled insert buffers.
/// </summary>
internal struct RowEncoder(PooledBufferWriter traffic, PooledBufferWriter access, byte[] noteBuffer, Guid nodeId, ulong seq, long receivedAtMs) : ITrafficBatchHandler
{
    public int TrafficRows { get; private set; }

    public int AccessRows { get; private set; }

    public readonly void OnHeader(in BatchHeader header)
    {
    }

    public void OnReport(in TrafficReport report)
    {
        var writer = new RowBinaryWriter(traffic);
        TrafficTables.WriteTraffic(ref writer, new TrafficRow(
            report.IntervalStart, report.IntervalSeconds, report.SubscriptionId, report.InboundId,
            nodeId, seq, report.BytesUp, report.BytesDown, receivedAtMs / 1000));
        TrafficRows++;
    }

    public readonly void OnAccessCount(int count)
    {
    }

    public void OnAccess(in AccessEvent accessEvent, ReadOnlySpan<byte> note, bool hasNote)
    {
        // The row type carries the note as memory; the parser hands a span that is only valid now, so it is
        // copied into one reused buffer of Limits.MaxNoteBytes (the codec caps notes there).
        note.CopyTo(noteBuffer);
        var writer = new RowBinaryWriter(access);
        TrafficTables.WriteAccessLog(ref writer, new AccessLogRow(
            accessEvent.TimestampMs, accessEvent.EventId, accessEvent.SubscriptionId, accessEvent.InboundId,
            nodeId, seq, accessEvent.BytesUp, accessEvent.BytesDown, noteBuffer.AsMemory(0, note.Length)));
        AccessRows++;
    }
}
