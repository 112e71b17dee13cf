using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// Turns one spooled batch into RowBinary rows for <c>traffic</c> and <c>access_log</c> as the parser walks
/// it: no intermediate objects, each row written straight into the pooled insert buffers of its shard
/// (<typeparamref name="TShards"/> picks it; on one server always the one), which counts them. Items the spooled
/// verdicts reject (<see cref="Spool.SpoolFormat"/>) are skipped: what was not counted is not stored as usage either.
/// </summary>
internal struct RowEncoder<TShards>(ShardBuffers[] shards, TShards choice, byte[] noteBuffer, Guid nodeId, ulong seq, long receivedAtMs, ReadOnlyMemory<byte> verdicts)
    : ITrafficBatchHandler
    where TShards : struct, IShardChoice
{
    private int _reportCount;
    private int _item;
    private int _accessItem;

    public void OnHeader(in BatchHeader header) => _reportCount = header.ReportCount;

    public void OnReport(in TrafficReport report)
    {
        if (Usage.BatchContext.IsSet(verdicts.Span, _item++)) return;
        ShardBuffers shard = shards[choice.Of(report.SubscriptionId)];
        var writer = new RowBinaryWriter(shard.Traffic);
        TrafficTables.WriteTraffic(ref writer, new TrafficRow(
            report.IntervalStart, report.IntervalSeconds, report.SubscriptionId, report.InboundId,
            nodeId, seq, report.BytesUp, report.BytesDown, receivedAtMs / 1000));
        shard.TrafficRows++;
    }

    public readonly void OnAccessCount(int count)
    {
    }

    public void OnAccess(in AccessEvent accessEvent, ReadOnlySpan<byte> note, bool hasNote)
    {
        // In the bitmap access events follow all the reports.
        if (Usage.BatchContext.IsSet(verdicts.Span, _reportCount + _accessItem++)) return;
        // The row type carries the note as memory; the parser hands a span that is only valid now, so it is
        // copied into one reused buffer of Limits.MaxNoteBytes (the codec caps notes there).
        note.CopyTo(noteBuffer);
        ShardBuffers shard = shards[choice.Of(accessEvent.SubscriptionId)];
        var writer = new RowBinaryWriter(shard.Access);
        TrafficTables.WriteAccessLog(ref writer, new AccessLogRow(
            accessEvent.TimestampMs, accessEvent.EventId, accessEvent.SubscriptionId, accessEvent.InboundId,
            nodeId, seq, accessEvent.BytesUp, accessEvent.BytesDown, noteBuffer.AsMemory(0, note.Length)));
        shard.AccessRows++;
    }
}
