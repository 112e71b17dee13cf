namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>One row of <c>traffic</c>: a report of a node's batch. Times are unix seconds (UTC).</summary>
internal readonly record struct TrafficRow(
    long IntervalStart,
    uint IntervalSeconds,
    Guid SubscriptionId,
    Guid InboundId,
    Guid NodeId,
    ulong Seq,
    ulong BytesUp,
    ulong BytesDown,
    long ReceivedAt);
