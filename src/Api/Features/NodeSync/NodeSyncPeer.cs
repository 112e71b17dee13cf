using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.NodeSync;

/// <summary>
/// A subscription's WireGuard peer the node must accept: its public key, the addresses it may use (its allowed IPs on the
/// node, single-host prefixes), the preshared key when the inbound uses them, and the limits as for <see cref="NodeSyncUser"/>.
/// </summary>
internal sealed record NodeSyncPeer(Guid SubscriptionId, string PublicKey, IReadOnlyList<string> AllowedIps,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PresharedKey,
    long? MaxSpeed, DateTimeOffset? ExpiresAt);
