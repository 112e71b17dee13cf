namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>Traffic over [From, To) split by node or by inbound: one series per id with traffic in the range, by id.</summary>
internal sealed record AnalyticsBreakdown(string Step, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<AnalyticsSeries> Series);
