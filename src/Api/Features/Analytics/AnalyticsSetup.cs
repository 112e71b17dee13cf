namespace Vpn.Perf.Api.Features.Analytics;

internal static class AnalyticsSetup
{
    /// <summary>Serializes the analytics contracts with the source-generated context.</summary>
    public static IServiceCollection AddAnalytics(this IServiceCollection services)
        => services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AnalyticsJsonContext.Default));
}
