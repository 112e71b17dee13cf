namespace Vpn.Perf.Shared.Wire.TrafficReport;

/// <summary>Bytes one subscription moved through one inbound during one interval.</summary>
/// <param name="SubscriptionId">The subscription.</param>
/// <param name="InboundId">The inbound (on the reporting node) the traffic went through.</param>
/// <param name="BytesUp">Client to server bytes, at most <see cref="Limits.MaxBytesPerReport"/>.</param>
/// <param name="BytesDown">Server to client bytes, at most <see cref="Limits.MaxBytesPerReport"/>.</param>
/// <param name="IntervalStart">Start of the interval, Unix seconds (UTC).</param>
/// <param name="IntervalSeconds">Length of the interval, at most <see cref="Limits.MaxIntervalSeconds"/>.</param>
public readonly record struct TrafficReport(
    Guid SubscriptionId,
    Guid InboundId,
    ulong BytesUp,
    ulong BytesDown,
    long IntervalStart,
    uint IntervalSeconds);
