namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>All traffic over [From, To) in steps: only the steps with traffic, in time order; the totals cover the range.</summary>
internal sealed record AnalyticsUsage(string Step, DateTimeOffset From, DateTimeOffset To, long BytesUp, long BytesDown, long Reports, IReadOnlyList<AnalyticsPoint> Points);
