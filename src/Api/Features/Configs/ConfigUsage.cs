using System.Globalization;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>Bytes used in the current period, as Ingest counts them in Redis (<see cref="RedisKeys.Usage"/>).</summary>
internal sealed class ConfigUsage(RedisClient redis, int bucketCount, ILogger<ConfigUsage> logger)
{
    /// <summary>The usage, 0 when nothing was counted yet, or null when Redis cannot be read (the header is then left out, not faked).</summary>
    public async ValueTask<long?> ReadAsync(Guid id, SubscriptionState state, long nowMs, CancellationToken ct)
    {
        try
        {
            string? value = await redis.GetStringAsync(RedisKeys.Usage(id, state.PeriodStart(nowMs), bucketCount), ct);
            return value is null ? 0 : long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        catch (RedisException ex)
        {
            ConfigsLog.UsageUnavailable(logger, ex, id);
            return null;
        }
    }
}
