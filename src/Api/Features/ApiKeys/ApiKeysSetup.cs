namespace Vpn.Perf.Api.Features.ApiKeys;

internal static class ApiKeysSetup
{
    /// <summary>The key-management endpoints' JSON contracts (the scheme, cache and limits are <c>AddApiAuth</c>'s).</summary>
    public static IServiceCollection AddApiKeys(this IServiceCollection services)
        => services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiKeysJsonContext.Default));
}
