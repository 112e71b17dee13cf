using Vpn.Perf.Api.Features.Configs;

namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// A subscription with its own settings, the effective limits that apply (own values, else the owner's groups), and
/// live usage from Redis. <c>DeviceLimit</c> is its own (null inherits, 0 = unlimited), appended after the fields clients already read. <c>ConfigUrl</c> is the absolute URL an app imports (<c>.../s/{token}</c>; the token changes
/// with <c>rotate-link</c>). <c>Links</c> (appended too) are that URL per format and its QR
/// code. The proxy secret is not shown. <c>PlanId</c> is the plan it was sold under (null: none),
/// <c>CreatedBy</c> the staff member who created it through the Api (a reseller's subscriptions are the ones it created).
/// </summary>
internal sealed record SubscriptionDto(
    Guid Id, string ConfigUrl, Guid OwnerId, string Title, string Description, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt,
    long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, DateTimeOffset ResetAnchor,
    bool IsSuspended, bool IsOverLimit, bool IsExpired, long Version, EffectiveLimits Effective, SubscriptionUsage? Usage, int? DeviceLimit,
    Guid? PlanId, Guid? CreatedBy, ConfigUrls Links);
