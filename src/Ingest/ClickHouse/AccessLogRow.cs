namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>One row of <c>access_log</c>: a connection a node reported. <see cref="TimestampMs"/> is unix milliseconds (UTC).</summary>
internal readonly record struct AccessLogRow(
    long TimestampMs,
    Guid EventId,
    Guid SubscriptionId,
    Guid InboundId,
    Guid NodeId,
    ulong Seq,
    ulong BytesUp,
    ulong BytesDown,
    ReadOnlyMemory<byte> NoteUtf8);
