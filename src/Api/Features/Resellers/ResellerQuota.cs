namespace Vpn.Perf.Api.Features.Resellers;

/// <summary>
/// A reseller's limits and consumption as read inside a creating or changing transaction, after its quota row was
/// locked (<see cref="ResellersStore.LockAsync"/>): until that transaction ends no other one can count the same slot.
/// </summary>
internal sealed record ResellerQuota(int MaxSubscriptions, long MaxTotalTraffic, Guid[] AllowedPlans, Guid[] AllowedInbounds, int Subscriptions,
    long TotalTraffic);
