namespace Vpn.Perf.Api.Features.Subscriptions;

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
