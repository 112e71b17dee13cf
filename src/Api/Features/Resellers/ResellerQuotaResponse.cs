namespace Vpn.Perf.Api.Features.Resellers;

/// <summary>
/// A reseller's quota and what it consumes of it. A reseller whose quota was never set reads as all zeros and empty
/// lists at version 0 (it may create nothing). A quota lowered below the consumption keeps what exists and refuses
/// what would go further.
/// </summary>
internal sealed record ResellerQuotaResponse(
    Guid ResellerId, int MaxSubscriptions, long MaxTotalTraffic, IReadOnlyList<Guid> AllowedPlans, IReadOnlyList<Guid> AllowedInbounds, long Version,
    DateTimeOffset? UpdatedAt, ResellerConsumption Consumption);
