namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>Bytes used (up + down) in the current period, as Ingest counts them in Redis. PeriodStart is null when usage never resets.</summary>
internal sealed record SubscriptionUsage(long UsedBytes, DateTimeOffset? PeriodStart);
