namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>
/// Every node (by name, at most <see cref="AnalyticsValidation.MaxNodes"/>; Truncated says there are more) with its
/// status over the window [From, To) of whole minutes that ended at the last full minute.
/// </summary>
internal sealed record NodeStatusReport(DateTimeOffset From, DateTimeOffset To, int Minutes, bool Truncated, IReadOnlyList<NodeStatus> Nodes);
