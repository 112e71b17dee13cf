namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// Extends the expiry of the filtered subscriptions that have one: by an ISO 8601 duration (<c>By</c>, from the later
/// of the current expiry and now) or to an instant (<c>To</c>, never shortening). Perpetual subscriptions are left alone.
/// </summary>
internal sealed record BulkExtendRequest(SubscriptionFilter? Filter, string? By, DateTimeOffset? To, bool All = false);
