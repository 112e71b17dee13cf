using System.Globalization;
using System.Text;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.WgQuick;

/// <summary>
/// Writes a <see cref="ClientConfig"/> as a <c>wg-quick(8)</c> configuration, the file the WireGuard apps (Windows, macOS,
/// iOS, Android, Linux) import: one <c>[Interface]</c> with the subscription's private key and addresses, one
/// <c>[Peer]</c> for the node. A wg-quick file is one tunnel with one private key and one address set, and every WireGuard
/// inbound gives the subscription its own key and addresses, so a subscription linked to several gets the first (in the
/// order every format lists proxies); the sing-box and mihomo formats carry all of them (docs/config-rendering.md).
/// </summary>
internal static class WgQuickRenderer
{
    // The stub's tunnel: a key pair nobody uses and a peer in TEST-NET-1 (RFC 5737), which no network routes, with every
    // address allowed: the app starts, and all traffic goes into a tunnel that never comes up.
    private const string StubPrivateKey = "CAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEA=";
    private const string StubPeerKey = "QiyOemIn17yhNQs+K7cnn3iXuHu2hUt4PGDoAxGuMHk=";

    public static bool CanExpress(InboundSpec spec) => spec.Protocol == InboundProtocol.WireGuard;

    /// <summary>The first WireGuard proxy's tunnel; without one, <see cref="RenderStub"/> named <paramref name="emptyReason"/>.</summary>
    public static byte[] Render(ClientConfig config, string emptyReason)
    {
        foreach (ProxyOutbound proxy in config.Proxies)
        {
            if (proxy.Peer is { } peer) return Encoding.UTF8.GetBytes(Tunnel(proxy, peer));
        }
        return RenderStub(emptyReason);
    }

    /// <summary>A tunnel that never connects, its first line a comment naming <paramref name="reason"/>.</summary>
    public static byte[] RenderStub(string reason)
    {
        var conf = new StringBuilder(256);
        Comment(conf, reason);
        conf.Append("[Interface]\nPrivateKey = ").Append(StubPrivateKey).Append("\nAddress = 192.0.2.2/32\n\n");
        conf.Append("[Peer]\nPublicKey = ").Append(StubPeerKey).Append("\nAllowedIPs = 0.0.0.0/0, ::/0\nEndpoint = 192.0.2.1:51820\n");
        return Encoding.UTF8.GetBytes(conf.ToString());
    }

    private static string Tunnel(ProxyOutbound proxy, WireGuardPeer peer)
    {
        InboundSpec inbound = proxy.Inbound;
        var settings = (WireGuardSettings)inbound.Settings;
        var conf = new StringBuilder(512);
        Comment(conf, proxy.Tag);
        conf.Append("[Interface]\n");
        conf.Append("PrivateKey = ").Append(peer.PrivateKey).Append('\n');
        conf.Append("Address = ").AppendJoin(", ", settings.PeerAddresses(peer.AddressIndex)).Append('\n');
        if (!settings.Dns.IsDefaultOrEmpty) conf.Append("DNS = ").AppendJoin(", ", settings.Dns).Append('\n');
        if (settings.Mtu is { } mtu) conf.Append("MTU = ").Append(mtu.ToString(CultureInfo.InvariantCulture)).Append('\n');
        conf.Append("\n[Peer]\n");
        conf.Append("PublicKey = ").Append(settings.PublicKey).Append('\n');
        if (peer.PresharedKey is { } psk) conf.Append("PresharedKey = ").Append(psk).Append('\n');
        conf.Append("AllowedIPs = ").AppendJoin(", ", settings.AllowedIps).Append('\n');
        // wg-quick splits host and port at the last ':', so an IPv6 literal goes in brackets.
        conf.Append("Endpoint = ").Append(inbound.Host.Contains(':') ? "[" + inbound.Host + "]" : inbound.Host)
            .Append(':').Append(inbound.Port.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (settings.PersistentKeepalive is { } keepalive) conf.Append("PersistentKeepalive = ").Append(keepalive.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return conf.ToString();
    }

    /// <summary>A <c>#</c> line; control characters (a line break would end the comment) become spaces.</summary>
    private static void Comment(StringBuilder conf, string text)
    {
        conf.Append("# ");
        foreach (char c in text) conf.Append(char.IsControl(c) ? ' ' : c);
        conf.Append('\n');
    }
}
