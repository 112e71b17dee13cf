namespace Vpn.Perf.Api.Features.Configs;

internal static class ConfigsSetup
{
    /// <summary>The config endpoint's services: cache, link index, loader, the LISTEN loop that keeps the cache exact, and headers (usage: <see cref="Redis.LiveUsage"/>).</summary>
    public static IServiceCollection AddConfigs(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ConfigOptions>(configuration.GetSection(ConfigOptions.Section));
        services.AddSingleton<ConfigCache>();
        services.AddSingleton<LinkIndex>();
        services.AddSingleton<ConfigLinks>();
        services.AddSingleton<ConfigHeaders>();
        services.AddSingleton<ConfigLoader>();
        services.AddHostedService<ConfigChangeListener>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ConfigsJsonContext.Default));
        return services;
    }
}
