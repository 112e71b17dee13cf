using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Xray;

/// <summary>
/// Writes a <see cref="ClientConfig"/> as Xray JSON the way v2rayN and v2rayNG import a subscription of full configs:
/// a JSON array with one complete client config per proxy (its <c>remarks</c> is the proxy's tag), each with local
/// SOCKS and HTTP inbounds, the proxy as the first outbound, <c>direct</c> and <c>block</c>, and routing that keeps
/// private ranges direct. Field names are Xray-core's (infra/conf); the sing-box template is not used. An inbound Xray
/// cannot dial (<see cref="CanExpress"/>) is left out; docs/config-rendering.md has the protocol × format table.
/// </summary>
internal static class XrayRenderer
{
    private static readonly string[] PrivateRanges =
        ["10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "fe80::/10"];

    /// <summary>
    /// False for what current Xray-core refuses or lacks (WireGuard it dials with its wireguard outbound): hysteria2 and tuic (Xray's hysteria2 outbound is too new for
    /// the apps' bundled cores), the http and quic transports (removed from Xray), and TLS without certificate
    /// verification (Xray 26 refuses <c>allowInsecure</c>; its replacement pins a certificate hash an inbound does not carry).
    /// </summary>
    public static bool CanExpress(InboundSpec spec)
        => spec.Protocol is not (InboundProtocol.Hysteria2 or InboundProtocol.Tuic)
           && spec.Network is not (InboundNetwork.Http or InboundNetwork.Quic)
           && spec.Tls is not { Insecure: true };

    /// <summary>The array; without a proxy Xray can dial it is <see cref="RenderStub"/> named <paramref name="emptyReason"/>.</summary>
    public static byte[] Render(ClientConfig config, string emptyReason)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        int written = 0;
        using (var w = new Utf8JsonWriter(buffer, ConfigRenderer.WriterOptions))
        {
            w.WriteStartArray();
            foreach (ProxyOutbound proxy in config.Proxies)
            {
                if (!CanExpress(proxy.Inbound)) continue;
                WriteConfig(w, proxy.Tag, proxy);
                written++;
            }
            w.WriteEndArray();
        }
        return written == 0 ? RenderStub(emptyReason) : buffer.WrittenSpan.ToArray();
    }

    /// <summary>One config that starts and connects nowhere: its only outbound is a blackhole, its remarks the reason.</summary>
    public static byte[] RenderStub(string reason)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, ConfigRenderer.WriterOptions))
        {
            w.WriteStartArray();
            WriteConfig(w, reason, proxy: null);
            w.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteConfig(Utf8JsonWriter w, string remarks, ProxyOutbound? proxy)
    {
        w.WriteStartObject();
        w.WriteString("remarks", remarks);
        w.WriteStartObject("log");
        w.WriteString("loglevel", "warning");
        w.WriteEndObject();

        w.WriteStartArray("inbounds");
        WriteLocalInbound(w, "socks", 10808, "socks");
        WriteLocalInbound(w, "http", 10809, "http");
        w.WriteEndArray();

        // Xray's first outbound is where unrouted traffic goes: the proxy, or in the stub the blackhole.
        w.WriteStartArray("outbounds");
        if (proxy is not null) WriteProxy(w, proxy);
        else WriteFixedOutbound(w, "block", "blackhole");
        WriteFixedOutbound(w, "direct", "freedom");
        if (proxy is not null) WriteFixedOutbound(w, "block", "blackhole");
        w.WriteEndArray();

        w.WriteStartObject("dns");
        w.WriteStartArray("servers");
        w.WriteStringValue("1.1.1.1");
        w.WriteStringValue("8.8.8.8");
        w.WriteEndArray();
        w.WriteEndObject();

        w.WriteStartObject("routing");
        w.WriteString("domainStrategy", "AsIs");
        w.WriteStartArray("rules");
        w.WriteStartObject();
        w.WriteString("type", "field");
        w.WriteStartArray("ip");
        foreach (string range in PrivateRanges) w.WriteStringValue(range);
        w.WriteEndArray();
        w.WriteString("outboundTag", "direct");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("type", "field");
        w.WriteString("network", "tcp,udp");
        w.WriteString("outboundTag", proxy is null ? "block" : "proxy");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteLocalInbound(Utf8JsonWriter w, string tag, int port, string protocol)
    {
        w.WriteStartObject();
        w.WriteString("tag", tag);
        w.WriteString("listen", "127.0.0.1");
        w.WriteNumber("port", port);
        w.WriteString("protocol", protocol);
        w.WriteStartObject("settings");
        if (protocol == "socks")
        {
            w.WriteString("auth", "noauth");
            w.WriteBoolean("udp", true);
        }
        w.WriteEndObject();
        w.WriteStartObject("sniffing");
        w.WriteBoolean("enabled", true);
        w.WriteStartArray("destOverride");
        w.WriteStringValue("http");
        w.WriteStringValue("tls");
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteFixedOutbound(Utf8JsonWriter w, string tag, string protocol)
    {
        w.WriteStartObject();
        w.WriteString("tag", tag);
        w.WriteString("protocol", protocol);
        w.WriteEndObject();
    }

    private static void WriteProxy(Utf8JsonWriter w, ProxyOutbound proxy)
    {
        InboundSpec spec = proxy.Inbound;
        w.WriteStartObject();
        w.WriteString("tag", "proxy");
        w.WriteString("protocol", spec.Protocol switch
        {
            InboundProtocol.Vless => "vless",
            InboundProtocol.Vmess => "vmess",
            InboundProtocol.Trojan => "trojan",
            InboundProtocol.Shadowsocks => "shadowsocks",
            _ => "wireguard",
        });
        w.WriteStartObject("settings");
        switch (spec.Settings)
        {
            case VlessSettings vless:
                OpenVnextUser(w, spec, proxy.Uuid!);
                w.WriteString("encryption", "none");
                if (vless.Flow.Length > 0) w.WriteString("flow", vless.Flow);
                CloseVnextUser(w);
                break;
            case VmessSettings vmess:
                OpenVnextUser(w, spec, proxy.Uuid!);
                w.WriteString("security", vmess.Security);
                CloseVnextUser(w);
                break;
            case TrojanSettings:
                WriteServer(w, spec);
                w.WriteString("password", proxy.Password);
                w.WriteEndObject();
                w.WriteEndArray();
                break;
            case ShadowsocksSettings ss:
                WriteServer(w, spec);
                w.WriteString("method", ss.Method);
                w.WriteString("password", proxy.Password);
                w.WriteEndObject();
                w.WriteEndArray();
                break;
            case WireGuardSettings wg:
                WriteWireGuard(w, spec, wg, proxy.Peer!);
                break;
        }
        w.WriteEndObject();
        // shadowsocks and wireguard take no stream settings (no transport, no TLS).
        if (spec.Protocol is not (InboundProtocol.Shadowsocks or InboundProtocol.WireGuard)) WriteStream(w, spec);
        w.WriteEndObject();
    }

    /// <summary>vless and vmess: opens <c>vnext</c>, its one server and that server's one user (the form every Xray
    /// release reads); the caller adds the user's keys and calls <see cref="CloseVnextUser"/>.</summary>
    private static void OpenVnextUser(Utf8JsonWriter w, InboundSpec spec, string id)
    {
        w.WriteStartArray("vnext");
        w.WriteStartObject();
        w.WriteString("address", spec.Host);
        w.WriteNumber("port", spec.Port);
        w.WriteStartArray("users");
        w.WriteStartObject();
        w.WriteString("id", id);
    }

    private static void CloseVnextUser(Utf8JsonWriter w)
    {
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
    }

    /// <summary>Xray's wireguard outbound (infra/conf/wireguard.go): the tunnel's key and addresses, the node as its one peer.</summary>
    private static void WriteWireGuard(Utf8JsonWriter w, InboundSpec spec, WireGuardSettings wg, WireGuardPeer peer)
    {
        w.WriteString("secretKey", peer.PrivateKey);
        w.WriteStartArray("address");
        foreach (string address in wg.PeerAddresses(peer.AddressIndex)) w.WriteStringValue(address);
        w.WriteEndArray();
        w.WriteStartArray("peers");
        w.WriteStartObject();
        w.WriteString("publicKey", wg.PublicKey);
        if (peer.PresharedKey is { } psk) w.WriteString("preSharedKey", psk);
        // Xray splits the endpoint at the last ':', so an IPv6 literal goes in brackets.
        w.WriteString("endpoint", (spec.Host.Contains(':') ? "[" + spec.Host + "]" : spec.Host) + ":" + spec.Port.ToString(CultureInfo.InvariantCulture));
        if (wg.PersistentKeepalive is { } keepalive) w.WriteNumber("keepAlive", keepalive);
        w.WriteStartArray("allowedIPs");
        foreach (string range in wg.AllowedIps) w.WriteStringValue(range);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        if (wg.Mtu is { } mtu) w.WriteNumber("mtu", mtu);
    }

    /// <summary>trojan and shadowsocks: opens <c>servers</c> and its one server; the caller adds the credentials and closes both.</summary>
    private static void WriteServer(Utf8JsonWriter w, InboundSpec spec)
    {
        w.WriteStartArray("servers");
        w.WriteStartObject();
        w.WriteString("address", spec.Host);
        w.WriteNumber("port", spec.Port);
    }

    private static void WriteStream(Utf8JsonWriter w, InboundSpec spec)
    {
        w.WriteStartObject("streamSettings");
        w.WriteString("network", spec.Network switch
        {
            InboundNetwork.Ws => "ws",
            InboundNetwork.Grpc => "grpc",
            InboundNetwork.HttpUpgrade => "httpupgrade",
            _ => "tcp",
        });
        w.WriteString("security", spec.Security switch
        {
            InboundSecurity.Tls => "tls",
            InboundSecurity.Reality => "reality",
            _ => "none",
        });
        if (spec.Tls is { Reality: { } reality } realityTls)
        {
            w.WriteStartObject("realitySettings");
            if (realityTls.ServerName is { } serverName) w.WriteString("serverName", serverName);
            w.WriteString("fingerprint", realityTls.Fingerprint);
            w.WriteString("publicKey", reality.PublicKey);
            w.WriteString("shortId", reality.ShortId);
            w.WriteEndObject();
        }
        else if (spec.Tls is { } tls)
        {
            w.WriteStartObject("tlsSettings");
            if (tls.ServerName is { } serverName) w.WriteString("serverName", serverName);
            if (!tls.Alpn.IsDefaultOrEmpty)
            {
                w.WriteStartArray("alpn");
                foreach (string protocol in tls.Alpn) w.WriteStringValue(protocol);
                w.WriteEndArray();
            }
            if (tls.Fingerprint is { } fingerprint) w.WriteString("fingerprint", fingerprint);
            w.WriteEndObject();
        }
        switch (spec.Transport)
        {
            case WsTransport ws:
                w.WriteStartObject("wsSettings");
                w.WriteString("path", ws.PathWithEarlyData);
                if (ws.Host is { } wsHost) w.WriteString("host", wsHost);
                w.WriteEndObject();
                break;
            case GrpcTransport grpc:
                w.WriteStartObject("grpcSettings");
                w.WriteString("serviceName", grpc.ServiceName);
                w.WriteEndObject();
                break;
            case HttpUpgradeTransport upgrade:
                w.WriteStartObject("httpupgradeSettings");
                w.WriteString("path", upgrade.Path);
                if (upgrade.Host is { } upgradeHost) w.WriteString("host", upgradeHost);
                w.WriteEndObject();
                break;
        }
        w.WriteEndObject();
    }
}
