namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>One subscription's traffic over the range: total is up plus down.</summary>
internal sealed record TopSubscription(Guid Id, long Total, long BytesUp, long BytesDown, long Reports);
