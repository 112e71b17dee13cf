namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>
/// One step of traffic: bytes up (client to server) and down, the node reports they came from, and the bandwidth they
/// average to over the step (bytes divided by the step's seconds).
/// </summary>
internal sealed record AnalyticsPoint(DateTimeOffset Start, long BytesUp, long BytesDown, long Reports, double BytesUpPerSecond, double BytesDownPerSecond);
