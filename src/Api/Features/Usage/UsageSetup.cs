namespace Vpn.Perf.Api.Features.Usage;

internal static class UsageSetup
{
    /// <summary>Serializes the usage contracts with the source-generated context.</summary>
    public static IServiceCollection AddUsage(this IServiceCollection services)
        => services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, UsageJsonContext.Default));
}
