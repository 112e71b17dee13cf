namespace Vpn.Perf.Api.Features.Resellers;

/// <summary>
/// A reseller's limits and consumption as read inside a creating or changing transaction, after its quota row was
/// locked (<see cref="ResellersStore.LockAsync"/>): until that transaction ends no other one can count the same slot.
/// <c>Subscriptions</c> and <c>TotalTraffic</c> leave out the subscription being changed, whose limit now is <c>ChangedTraffic</c>.
/// </summary>
internal sealed record ResellerQuota(int MaxSubscriptions, long MaxTotalTraffic, Guid[] AllowedPlans, Guid[] AllowedInbounds, int Subscriptions,
    long TotalTraffic, long ChangedTraffic);
