namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// A subscription with its own settings, the effective limits that apply (own values, else the owner's groups), and
/// live usage from Redis. The proxy secret is not shown: the subscription id is the config URL.
/// </summary>
internal sealed record SubscriptionDto(
    Guid Id, Guid OwnerId, string Title, string Description, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, DateTimeOffset ResetAnchor,
    bool IsSuspended, bool IsOverLimit, bool IsExpired, long Version, EffectiveLimits Effective, SubscriptionUsage? Usage);
