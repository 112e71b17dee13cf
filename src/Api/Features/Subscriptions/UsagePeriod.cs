namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>What locates a subscription's current usage key: its effective reset period (null = never resets) and its anchor.</summary>
internal readonly record struct UsagePeriod(Guid Id, string? EffectivePeriod, DateTimeOffset Anchor);
