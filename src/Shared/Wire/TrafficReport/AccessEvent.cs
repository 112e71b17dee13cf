namespace Vpn.Perf.Shared.Wire.TrafficReport;

/// <summary>
/// One connection seen by the node (no IP or device data). Its optional note travels beside it as UTF-8 bytes,
/// because a record struct cannot hold a span.
/// </summary>
/// <param name="EventId">Unique id of the event, for deduplication downstream.</param>
/// <param name="TimestampMs">When the connection happened, Unix milliseconds (UTC).</param>
/// <param name="SubscriptionId">The subscription.</param>
/// <param name="InboundId">The inbound the connection used.</param>
/// <param name="BytesUp">Client to server bytes, at most <see cref="Limits.MaxBytesPerReport"/>.</param>
/// <param name="BytesDown">Server to client bytes, at most <see cref="Limits.MaxBytesPerReport"/>.</param>
public readonly record struct AccessEvent(
    Guid EventId,
    long TimestampMs,
    Guid SubscriptionId,
    Guid InboundId,
    ulong BytesUp,
    ulong BytesDown);
