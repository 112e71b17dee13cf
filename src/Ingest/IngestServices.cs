using StackExchange.Redis;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Ingest.Metrics;
using Vpn.Perf.Ingest.Spool;
using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest;

/// <summary>
/// What the service and the <c>drain-spool</c> command share: the spool, Redis, ClickHouse, the usage applier and the
/// sink, wired the same way, so a drain takes exactly the path a running instance takes.
/// </summary>
internal static class IngestServices
{
    /// <summary>
    /// The settings both read: <c>Ingest:*</c>, the Redis connection string, ClickHouse's (one server, or the shards of
    /// <c>ConnectionStrings:ClickHouseShards</c> when that is set) and <c>Redis:KeyPrefix</c>.
    /// </summary>
    public static IngestSettings ReadSettings(IConfiguration configuration)
    {
        string? clickHouse = configuration.GetConnectionString("ClickHouse");
        string? shards = configuration.GetConnectionString("ClickHouseShards");
        if (string.IsNullOrWhiteSpace(clickHouse) && string.IsNullOrWhiteSpace(shards))
            throw new InvalidOperationException("ConnectionStrings:ClickHouse is not set (env ConnectionStrings__ClickHouse), nor ConnectionStrings:ClickHouseShards.");
        return new(
            configuration.GetSection("Ingest").Get<IngestOptions>() ?? new IngestOptions(),
            configuration.GetConnectionString("Redis")
                ?? throw new InvalidOperationException("ConnectionStrings:Redis is not set (env ConnectionStrings__Redis)."),
            clickHouse,
            shards,
            configuration["Redis:KeyPrefix"]);
    }

    public static IServiceCollection AddIngestCore(this IServiceCollection services, IngestSettings settings, IConnectionMultiplexer redis)
    {
        IngestOptions options = settings.Options;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton(redis);
        // Redis:KeyPrefix (docs/ingest.md): without one, the connection's own database, so the hot path pays nothing for it.
        services.AddSingleton(RedisConnector.Database(redis, settings.RedisKeyPrefix));
        services.AddSingleton(_ => ClickHouseTargets.Create(settings.ClickHouseConnection, settings.ClickHouseShardsConnection));
        services.AddSingleton(sp => DurableSpool.Open(
            new SpoolOptions { Directory = options.SpoolDirectory, MaxBacklogBytes = options.SpoolMaxBacklogBytes },
            sp.GetRequiredService<ILogger<DurableSpool>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SubscriptionStateCache>();
        services.AddSingleton<BatchDecider>();
        services.AddSingleton<UsageApplier>();
        services.AddSingleton<RecoveryReplay>();
        services.AddSingleton<BatchClaims>();
        services.AddSingleton<ClickHouseSink>();
        return services;
    }
}
