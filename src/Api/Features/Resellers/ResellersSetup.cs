namespace Vpn.Perf.Api.Features.Resellers;

internal static class ResellersSetup
{
    /// <summary>The quota endpoints' JSON; the quota checks are static (<see cref="ResellerQuotaRules"/>) and run in the callers' transactions.</summary>
    public static IServiceCollection AddResellers(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ResellersJsonContext.Default));
        return services;
    }
}
