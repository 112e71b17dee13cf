namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// A new subscription. Null limits inherit from the owner's groups (DESIGN.md); a null expiry is perpetual; the reset
/// anchor defaults to the creation time.
/// </summary>
internal sealed record CreateSubscriptionRequest(
    Guid? OwnerId, string? Title, string? Description, DateTimeOffset? ExpiresAt,
    long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, DateTimeOffset? ResetAnchor);

/// <summary>
/// Replaces every editable field (PUT): a null limit inherits, a null expiry is perpetual, a null reset anchor is the
/// creation time; a null owner keeps the owner. <c>Version</c> (or an <c>If-Match</c> header) must be the version read.
/// </summary>
internal sealed record UpdateSubscriptionRequest(
    Guid? OwnerId, string? Title, string? Description, DateTimeOffset? ExpiresAt,
    long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, DateTimeOffset? ResetAnchor, long? Version);

/// <summary>
/// Which subscriptions a list or bulk operation covers; every criterion present must hold (AND).
/// </summary>
/// <param name="Owner">Owner user id.</param>
/// <param name="Suspended">Manually suspended or not.</param>
/// <param name="OverLimit">Over its traffic limit (set by the system) or not.</param>
/// <param name="Expired">Expired now (true) or perpetual / not yet expired (false).</param>
/// <param name="ExpiringBefore">Has an expiry earlier than this instant.</param>
/// <param name="Q">Case-insensitive substring of the title.</param>
internal sealed record SubscriptionFilter(Guid? Owner, bool? Suspended, bool? OverLimit, bool? Expired, DateTimeOffset? ExpiringBefore, string? Q)
{
    public bool IsEmpty => Owner is null && Suspended is null && OverLimit is null && Expired is null && ExpiringBefore is null && string.IsNullOrEmpty(Q);
}

/// <summary>A bulk suspend, resume, reset-usage or delete. An empty filter is refused unless <c>All</c> says "every subscription".</summary>
internal sealed record BulkRequest(SubscriptionFilter? Filter, bool All = false);

/// <summary>
/// Extends the expiry of the filtered subscriptions that have one: by an ISO 8601 duration (<c>By</c>, from the later
/// of the current expiry and now) or to an instant (<c>To</c>, never shortening). Perpetual subscriptions are left alone.
/// </summary>
internal sealed record BulkExtendRequest(SubscriptionFilter? Filter, string? By, DateTimeOffset? To, bool All = false);
