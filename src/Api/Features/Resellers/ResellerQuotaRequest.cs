namespace Vpn.Perf.Api.Features.Resellers;

/// <summary>
/// A reseller's whole quota (PUT replaces it): at most <c>maxSubscriptions</c> subscriptions whose <c>maxTraffic</c>
/// sum to at most <c>maxTotalTraffic</c> bytes, sold only under <c>allowedPlans</c> and linked only to
/// <c>allowedInbounds</c> (empty: none). Every field is required: unlimited is a number the superuser chooses.
/// </summary>
internal sealed record ResellerQuotaRequest(int? MaxSubscriptions, long? MaxTotalTraffic, Guid[]? AllowedPlans, Guid[]? AllowedInbounds);
