namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>What one node reported over a window of minutes (ClickHouse's <c>traffic_minutely_by_node</c>).</summary>
internal readonly record struct NodeTraffic(long Reports, long BytesUp, long BytesDown, long Subscriptions);
