namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// Replaces every editable field (PUT): a null limit inherits (a device limit of 0 is unlimited), a null expiry is perpetual, a null reset anchor is the
/// creation time; a null owner keeps the owner. <c>Version</c> (or an <c>If-Match</c> header) must be the version read.
/// </summary>
internal sealed record UpdateSubscriptionRequest(
    Guid? OwnerId, string? Title, string? Description, DateTimeOffset? ExpiresAt,
    long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, DateTimeOffset? ResetAnchor, long? Version, int? DeviceLimit = null);
