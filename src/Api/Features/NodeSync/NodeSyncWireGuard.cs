namespace Vpn.Perf.Api.Features.NodeSync;

/// <summary>
/// A WireGuard inbound's interface as the node applies it (docs/wireguard.md, "The node agent"): the node's own addresses
/// (index 1 of each pool, with the pool's prefix length) and the allowed peers. The node's private key is the node's own.
/// </summary>
internal sealed record NodeSyncWireGuard(IReadOnlyList<string> Address, IReadOnlyList<NodeSyncPeer> Peers);
