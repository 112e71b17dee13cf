using System.Diagnostics.CodeAnalysis;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// One client outbound: an inbound of the subscription with the subscription's credentials resolved for its
/// protocol (see docs/inbound-settings.md, "Credentials per protocol").
/// </summary>
/// <param name="Tag">Unique among the config's outbounds and endpoints.</param>
/// <param name="Inbound">The validated inbound.</param>
/// <param name="Uuid">vless, vmess, tuic.</param>
/// <param name="Password">trojan, shadowsocks, hysteria2, tuic.</param>
/// <param name="Peer">wireguard: the subscription's own peer (keys and addresses).</param>
internal sealed record ProxyOutbound(string Tag, InboundSpec Inbound, string? Uuid, string? Password, WireGuardPeer? Peer = null)
{
    /// <summary>
    /// False when the subscription cannot authenticate on this inbound: a UUID protocol and a secret that is no UUID, or a
    /// WireGuard inbound without the subscription's peer.
    /// </summary>
    public static bool TryCreate(string tag, InboundSpec inbound, string secret, WireGuardPeer? peer, [NotNullWhen(true)] out ProxyOutbound? outbound)
    {
        if (inbound.Protocol == InboundProtocol.WireGuard)
        {
            outbound = peer is null ? null : new ProxyOutbound(tag, inbound, null, null, peer);
            return outbound is not null;
        }
        bool needsUuid = inbound.Protocol is InboundProtocol.Vless or InboundProtocol.Vmess or InboundProtocol.Tuic;
        if (needsUuid && !Guid.TryParse(secret, out _))
        {
            outbound = null;
            return false;
        }
        string? uuid = needsUuid ? SubscriptionCredentials.Uuid(secret) : null;
        string? password = inbound.Settings switch
        {
            ShadowsocksSettings { ServerPsk: null } => SubscriptionCredentials.Password(secret),
            ShadowsocksSettings { ServerPsk: { } psk } ss => psk + ":" + SubscriptionCredentials.Shadowsocks2022UserKey(ss.Method, secret),
            TrojanSettings or Hysteria2Settings or TuicSettings => SubscriptionCredentials.Password(secret),
            _ => null,
        };
        outbound = new ProxyOutbound(tag, inbound, uuid, password);
        return true;
    }
}
