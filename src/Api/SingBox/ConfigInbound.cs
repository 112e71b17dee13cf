namespace Vpn.Perf.Api.SingBox;

/// <summary>An active inbound linked to a subscription, as the renderer receives it.</summary>
/// <param name="NodeName">The node's name, the first half of the outbound tag.</param>
/// <param name="Tag">The inbound's tag on its node, the second half.</param>
/// <param name="Spec">The validated inbound.</param>
/// <param name="Peer">For a WireGuard inbound, the subscription's peer on it (null: none yet, or it could not be decrypted).</param>
internal sealed record ConfigInbound(string NodeName, string Tag, InboundSpec Spec, WireGuardPeer? Peer = null);
