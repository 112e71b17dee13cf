namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// A new subscription. Null limits inherit from the owner's groups (DESIGN.md), a device limit of 0 is unlimited; a null expiry is perpetual; the reset
/// anchor defaults to the creation time.
/// </summary>
internal sealed record CreateSubscriptionRequest(
    Guid? OwnerId, string? Title, string? Description, DateTimeOffset? ExpiresAt,
    long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, DateTimeOffset? ResetAnchor, int? DeviceLimit = null);
