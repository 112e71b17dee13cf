namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>A bulk suspend, resume, reset-usage or delete. An empty filter is refused unless <c>All</c> says "every subscription".</summary>
internal sealed record BulkRequest(SubscriptionFilter? Filter, bool All = false);
