namespace Vpn.Perf.Api.Features.Configs;

internal static class ConfigsSetup
{
    /// <summary>The config endpoint's services: cache, link index, loader, the LISTEN loop that keeps the cache exact, and headers (usage: <see cref="Redis.LiveUsage"/>).</summary>
    public static IServiceCollection AddConfigs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConfigOptions>().Bind(configuration.GetSection(ConfigOptions.Section))
            .Validate(o => ConfigOptions.IsHeaderUrl(o.ProfileWebPageUrl) && ConfigOptions.IsHeaderUrl(o.SupportUrl),
                "Configs:ProfileWebPageUrl and Configs:SupportUrl must be absolute http(s) URLs in ASCII (percent-encode the rest).")
            .Validate(o => ConfigOptions.IsBaseUrl(o.PublicBaseUrl),
                "Configs:PublicBaseUrl must be an absolute http(s) URL without query, fragment or user info (e.g. https://vpn.example.com).")
            .ValidateOnStart();
        services.AddSingleton<ActiveFormatRules>();
        services.AddSingleton<ConfigCache>();
        services.AddSingleton<LinkIndex>();
        services.AddSingleton<ConfigLinks>();
        services.AddSingleton<ConfigHeaders>();
        services.AddSingleton<ConfigLoader>();
        services.AddSingleton<ConfigFetch>();
        services.AddHostedService<ConfigChangeListener>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ConfigsJsonContext.Default));
        return services;
    }
}
