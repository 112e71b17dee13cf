namespace Vpn.Perf.Api.Features.Usage;

/// <summary>
/// Usage of one subscription, node or inbound over [From, To) in steps. Points are only the steps with traffic,
/// in time order; the totals cover the whole range.
/// </summary>
internal sealed record UsageHistory(Guid Id, string Step, DateTimeOffset From, DateTimeOffset To, long BytesUp, long BytesDown, IReadOnlyList<UsagePoint> Points);
