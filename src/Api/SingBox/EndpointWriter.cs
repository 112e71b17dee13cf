using System.Text.Json;
using N = Vpn.Perf.Api.SingBox.SingBoxNames;

namespace Vpn.Perf.Api.SingBox;

/// <summary>
/// Writes a WireGuard proxy as a sing-box <c>endpoints</c> entry (since 1.11; the legacy wireguard outbound is fatal in
/// 1.12 and removed in 1.13): type, tag, mtu, address, private_key, then the node as its one peer. DNS has no place
/// here: the template's <c>dns</c> section applies.
/// </summary>
internal static class EndpointWriter
{
    public static void Write(Utf8JsonWriter w, ProxyOutbound proxy, WireGuardPeer peer)
    {
        InboundSpec inbound = proxy.Inbound;
        var settings = (WireGuardSettings)inbound.Settings;
        w.WriteStartObject();
        w.WriteString(N.Type, N.WireGuard);
        w.WriteString(N.Tag, proxy.Tag);
        if (settings.Mtu is { } mtu) w.WriteNumber(N.Mtu, mtu);
        w.WriteStartArray(N.Address);
        foreach (string address in settings.PeerAddresses(peer.AddressIndex)) w.WriteStringValue(address);
        w.WriteEndArray();
        w.WriteString(N.PrivateKey, peer.PrivateKey);
        w.WriteStartArray(N.Peers);
        w.WriteStartObject();
        w.WriteString(N.Address, inbound.Host);
        w.WriteNumber(N.Port, inbound.Port);
        w.WriteString(N.PublicKey, settings.PublicKey);
        if (peer.PresharedKey is { } psk) w.WriteString(N.PreSharedKey, psk);
        w.WriteStartArray(N.AllowedIps);
        foreach (string range in settings.AllowedIps) w.WriteStringValue(range);
        w.WriteEndArray();
        if (settings.PersistentKeepalive is { } keepalive) w.WriteNumber(N.PersistentKeepaliveInterval, keepalive);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
