namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>The traffic of one node or inbound: its totals over the range and its steps with traffic, in time order.</summary>
internal sealed record AnalyticsSeries(Guid Id, long BytesUp, long BytesDown, long Reports, IReadOnlyList<AnalyticsPoint> Points);
