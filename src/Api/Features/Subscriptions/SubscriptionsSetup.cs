namespace Vpn.Perf.Api.Features.Subscriptions;

internal static class SubscriptionsSetup
{
    /// <summary>The subscription contracts; live usage comes from <see cref="Redis.LiveUsage"/>, registered with Redis.</summary>
    public static IServiceCollection AddSubscriptions(this IServiceCollection services)
        => services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, SubscriptionsJsonContext.Default));
}
