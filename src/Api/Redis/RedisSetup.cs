using StackExchange.Redis;
using Vpn.Perf.Api.Features.StateSync;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Api.Redis;

internal static class RedisSetup
{
    /// <summary>How the Api names its connections (<c>CLIENT LIST</c>), beside Ingest's.</summary>
    public const string ClientName = "vpnperf-api";

    /// <summary>
    /// The process's one Redis connection (<c>ConnectionStrings:Redis</c>, either form <see cref="RedisConnector"/>
    /// reads), its default database (seen through <c>Redis:KeyPrefix</c>, when set), and the two users of the key
    /// layout over it: <see cref="LiveUsage"/> and <see cref="StatePublisher"/>. The multiplexer is thread-safe and
    /// pipelines concurrent commands by itself, so every feature shares it. It connects on first use, so the
    /// administrative commands that never touch Redis (migrate, create-superuser) need no Redis setting.
    /// </summary>
    public static IServiceCollection AddRedis(this IServiceCollection services, IConfiguration configuration)
    {
        string? connectionString = configuration.GetConnectionString("Redis");
        string? keyPrefix = configuration["Redis:KeyPrefix"];
        // Ingest and Api must agree on the key buckets and the key prefix; both read Ingest:BucketCount and Redis:KeyPrefix.
        int bucketCount = configuration.GetValue("Ingest:BucketCount", Buckets.DefaultCount);
        services.AddSingleton<IConnectionMultiplexer>(sp => Connect(
            connectionString ?? throw new InvalidOperationException("ConnectionStrings:Redis is not set (env ConnectionStrings__Redis)."),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RedisConnector))));
        services.AddSingleton(sp => RedisConnector.Database(sp.GetRequiredService<IConnectionMultiplexer>(), keyPrefix));
        services.AddSingleton(sp => new LiveUsage(sp.GetRequiredService<IDatabase>(), bucketCount));
        services.AddSingleton(sp => new StatePublisher(sp.GetRequiredService<IDatabase>(), bucketCount));
        return services;
    }

    // A service factory cannot await. This runs once per process, on whichever thread first resolves the connection
    // (no synchronization context in ASP.NET Core, so no deadlock), and returns within the connect timeout whether or
    // not Redis is up: the connector never aborts, it reconnects in the background and commands fail fast meanwhile.
    private static ConnectionMultiplexer Connect(string connectionString, ILogger logger)
        => RedisConnector.ConnectAsync(connectionString, logger, ClientName).GetAwaiter().GetResult();
}
