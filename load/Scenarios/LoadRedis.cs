using StackExchange.Redis;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>
/// The load tool's one Redis connection (seeding, <see cref="RedisProbe"/>, <c>--verify</c>), made by
/// <see cref="RedisConnector"/> with admin commands allowed: <c>INFO</c> is one to StackExchange.Redis. The services'
/// connections never allow them.
/// </summary>
internal static class LoadRedis
{
    public static async Task<ConnectionMultiplexer> ConnectAsync(string connectionString)
    {
        ConfigurationOptions options = RedisConnector.Parse(connectionString, "vpnperf-load");
        options.AllowAdmin = true;
        ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(options);
        if (!redis.IsConnected)
        {
            // The connector never aborts (a service must start while Redis is down); a load run cannot do without it.
            string endPoints = string.Join(", ", redis.GetEndPoints().Select(static e => e.ToString()));
            await redis.DisposeAsync();
            throw new InvalidOperationException($"Redis is not reachable at {endPoints} (ConnectionStrings__Redis): start it (see the README) or point the variable at a running one.");
        }
        return redis;
    }
}
