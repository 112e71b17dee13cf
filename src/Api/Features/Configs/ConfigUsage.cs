using StackExchange.Redis;
using Vpn.Perf.Api.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>Bytes used in the current period, as Ingest counts them in Redis (<see cref="RedisKeys.Usage"/>).</summary>
internal sealed class ConfigUsage(IDatabase redis, int bucketCount, ILogger<ConfigUsage> logger)
{
    /// <summary>The usage, 0 when nothing was counted yet, or null when Redis cannot be read (the header is then left out, not faked).</summary>
    public async ValueTask<long?> ReadAsync(Guid id, SubscriptionState state, long nowMs, CancellationToken ct)
    {
        try
        {
            RedisValue value = await redis.StringGetAsync(RedisKeys.Usage(id, state.PeriodStart(nowMs), bucketCount)).WaitAsync(ct);
            return value.IsNull ? 0 : (long)value;
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            ConfigsLog.UsageUnavailable(logger, ex, id);
            return null;
        }
    }
}
