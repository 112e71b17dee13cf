namespace Vpn.Perf.Api.Redis;

/// <summary>
/// Where a subscription's usage in one period is counted (<see cref="Shared.Contracts.RedisKeys.Usage"/>): the key,
/// and the period's start in unix ms (0 when usage never resets, as Ingest names that key).
/// </summary>
internal readonly record struct UsageKey(Guid Id, string Key, long PeriodStartMs, bool Resets)
{
    /// <summary>The start of the counted period, null when usage never resets.</summary>
    public DateTimeOffset? PeriodStart => Resets ? DateTimeOffset.FromUnixTimeMilliseconds(PeriodStartMs) : null;
}
