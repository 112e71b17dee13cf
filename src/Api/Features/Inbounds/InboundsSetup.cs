namespace Vpn.Perf.Api.Features.Inbounds;

internal static class InboundsSetup
{
    /// <summary>The inbound administration's contracts.</summary>
    public static IServiceCollection AddInbounds(this IServiceCollection services)
        => services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, InboundsJsonContext.Default));
}
