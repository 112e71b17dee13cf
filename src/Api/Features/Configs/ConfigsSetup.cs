using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Configs;

internal static class ConfigsSetup
{
    /// <summary>The config endpoint's services: cache, link index, loader, the LISTEN loop that keeps the cache exact, headers and usage.</summary>
    public static IServiceCollection AddConfigs(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ConfigOptions>(configuration.GetSection(ConfigOptions.Section));
        services.AddSingleton<ConfigCache>();
        services.AddSingleton<LinkIndex>();
        services.AddSingleton<ConfigLinks>();
        services.AddSingleton<ConfigHeaders>();
        services.AddSingleton<ConfigLoader>();
        // Ingest and Api must agree on the key buckets; both read Ingest:BucketCount.
        int bucketCount = configuration.GetValue("Ingest:BucketCount", Buckets.DefaultCount);
        services.AddSingleton(sp => new ConfigUsage(sp.GetRequiredService<IDatabase>(), bucketCount, sp.GetRequiredService<ILogger<ConfigUsage>>()));
        services.AddHostedService<ConfigChangeListener>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ConfigsJsonContext.Default));
        return services;
    }
}
