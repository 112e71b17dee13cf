namespace Vpn.Perf.Api.Features.Nodes;

internal static class NodesSetup
{
    /// <summary>Nodes and node tokens (and their reconciler).</summary>
    public static IServiceCollection AddNodes(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(NodesOptions.Section).Get<NodesOptions>() ?? new NodesOptions();
        services.AddSingleton(options);
        services.AddSingleton<NodeTokenPublication>();
        services.AddHostedService<NodeTokenReconciler>();
        return services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, NodesJsonContext.Default));
    }
}
