namespace Vpn.Perf.Api.Features.NodeSync;

internal static class NodeSyncSetup
{
    /// <summary>Node sync's per-instance ETag cache; the endpoint writes its document with <see cref="NodeSyncJsonContext"/> itself.</summary>
    public static IServiceCollection AddNodeSync(this IServiceCollection services) => services.AddSingleton<NodeSyncCache>();
}
