using Vpn.Perf.Api.Features.NodeSync;

namespace Vpn.Perf.Api.Features.Nodes;

internal static class NodesSetup
{
    /// <summary>Nodes, node tokens (and their reconciler), inbounds and node sync.</summary>
    public static IServiceCollection AddNodes(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(NodesOptions.Section).Get<NodesOptions>() ?? new NodesOptions();
        services.AddSingleton(options);
        services.AddSingleton<NodeTokenPublication>();
        services.AddHostedService<NodeTokenReconciler>();
        services.AddSingleton<NodeSyncCache>();
        return services;
    }
}
