namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>
/// Subscriptions by state at At, as the config endpoint decides it, each counted once in the first state that applies:
/// suspended (by staff, or the owner is disabled), expired, over limit, else active. They add up to Total.
/// </summary>
internal sealed record SubscriptionCounts(DateTimeOffset At, long Total, long Active, long Expired, long Suspended, long OverLimit);
