namespace Vpn.Perf.Api.Features.Resellers;

/// <summary>What a reseller uses of its quota now: its subscriptions, the sum of their <c>maxTraffic</c>, and the customers it created.</summary>
internal sealed record ResellerConsumption(int Subscriptions, long TotalTraffic, int Customers);
