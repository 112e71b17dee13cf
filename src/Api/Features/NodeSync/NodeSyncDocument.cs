namespace Vpn.Perf.Api.Features.NodeSync;

/// <summary>What node sync answers (docs/node-sync.md): the node's active inbounds and who may use each.</summary>
internal sealed record NodeSyncDocument(Guid NodeId, IReadOnlyList<NodeSyncInbound> Inbounds);
