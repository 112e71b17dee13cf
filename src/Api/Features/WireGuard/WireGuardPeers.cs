using Npgsql;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Features.WireGuard;

/// <summary>
/// Makes the peers a subscription's links to WireGuard inbounds need, in the transaction that made the links: every code
/// path that links (the admin endpoints, a completed payment) calls <see cref="EnsureAsync"/> after linking, so a link
/// never commits without its peer. Peers go away with their link (foreign key, 0020).
/// </summary>
internal sealed class WireGuardPeers(PeerKeyProtector protector, ILogger<WireGuardPeers> logger)
{
    private const string InboundProtocolName = "wireguard";

    /// <summary>True when WireGuard inbounds can be created (the key that protects peers' keys is configured).</summary>
    public bool IsConfigured => protector.IsConfigured;

    /// <summary>
    /// Creates the missing peers of <paramref name="subscriptionId"/>: keys generated here, addresses allocated in SQL
    /// (lowest free index, the inbound row locked, a unique index as the guarantee). Null when every link has its peer;
    /// otherwise what stopped it, and the transaction must not commit.
    /// </summary>
    public async Task<PeerProvisioning?> EnsureAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid subscriptionId, CancellationToken ct)
    {
        List<WireGuardStore.MissingPeer> missing = await WireGuardStore.MissingAsync(conn, tx, subscriptionId, ct);
        foreach (WireGuardStore.MissingPeer m in missing)
        {
            if (!protector.IsConfigured) return new PeerProvisioning(PeerFailure.NotConfigured, m.InboundId, 0);
            if (!InboundSpec.TryParse(InboundProtocolName, m.Host, m.Port, m.Network, m.Tls, m.Settings, out InboundSpec? spec, out _)
                || spec.Settings is not WireGuardSettings settings)
            {
                // Saved around the Api (the endpoints validate): no config can use it, so no peer; the renderer skips it too.
                WireGuardLog.InboundInvalid(logger, m.InboundId);
                continue;
            }
            using PeerKeys keys = PeerKeys.Create(settings.PresharedKeys);
            byte[] privateKey = protector.Protect(keys.PrivateKey, subscriptionId, m.InboundId, PeerSecret.PrivateKey);
            byte[]? presharedKey = keys.HasPresharedKey ? protector.Protect(keys.PresharedKey, subscriptionId, m.InboundId, PeerSecret.PresharedKey) : null;
            if (!await WireGuardStore.AllocateAsync(conn, tx, subscriptionId, m.InboundId, settings.LastPeerIndex, keys.PublicKey, privateKey, presharedKey,
                    protector.CurrentKeyId, ct))
            {
                return new PeerProvisioning(PeerFailure.PoolExhausted, m.InboundId, settings.Capacity);
            }
        }
        return null;
    }
}
