namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>A subscription's current usage key and the start of the period it counts (null = never resets).</summary>
internal readonly record struct UsageKey(Guid Id, string Key, DateTimeOffset? PeriodStart);
