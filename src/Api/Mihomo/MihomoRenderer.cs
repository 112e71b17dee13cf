using System.Globalization;
using System.Text;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Mihomo;

/// <summary>
/// Writes a <see cref="ClientConfig"/> as a mihomo (Clash Meta) YAML profile, as Clash Verge, FlClash and Stash import
/// it: the proxies, a <c>proxy</c> select group whose default is the <c>auto</c> url-test group (the same two groups, with
/// the same names, as the sing-box config), DNS, and rules that keep private ranges direct and send the rest through
/// <c>proxy</c>. Field names are mihomo's (adapter/outbound/*.go); the sing-box template is not used. An inbound mihomo
/// cannot dial (<see cref="CanExpress"/>) is left out; docs/config-rendering.md has the protocol × format table.
/// </summary>
internal static class MihomoRenderer
{
    private static readonly string[] PrivateRanges =
        ["10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"];

    /// <summary>
    /// False for what mihomo has no client for: the V2Ray quic transport, the http transport without TLS (sing-box then
    /// speaks HTTP/1.1; mihomo's <c>h2</c> needs TLS and its <c>http</c> network is another protocol), trojan without
    /// TLS, and trojan over the http transport (mihomo's trojan has ws and grpc only).
    /// </summary>
    public static bool CanExpress(InboundSpec spec) => spec.Network switch
    {
        InboundNetwork.Quic => false,
        InboundNetwork.Http => spec.Security != InboundSecurity.None && spec.Protocol != InboundProtocol.Trojan,
        _ => !(spec.Protocol == InboundProtocol.Trojan && spec.Security == InboundSecurity.None),
    };

    /// <summary>The profile; without a proxy mihomo can dial it is <see cref="RenderStub"/> named <paramref name="emptyReason"/>.</summary>
    public static byte[] Render(ClientConfig config, string emptyReason)
    {
        var names = new List<string>(config.Proxies.Length);
        var yaml = new YamlWriter();
        WriteHead(yaml);
        yaml.Open(0, "proxies");
        foreach (ProxyOutbound proxy in config.Proxies)
        {
            if (!CanExpress(proxy.Inbound)) continue;
            WriteProxy(yaml, proxy);
            names.Add(proxy.Tag);
        }
        if (names.Count == 0) return RenderStub(emptyReason);

        yaml.Open(0, "proxy-groups");
        yaml.ItemPair(1, "name", ConfigRenderer.SelectorTag);
        yaml.Pair(2, "type", "select");
        yaml.Strings(2, "proxies", [ConfigRenderer.UrlTestTag, .. names]);
        yaml.ItemPair(1, "name", ConfigRenderer.UrlTestTag);
        yaml.Pair(2, "type", "url-test");
        yaml.Strings(2, "proxies", names);
        yaml.Pair(2, "url", ConfigRenderer.UrlTestUrl);
        yaml.Pair(2, "interval", 180);
        yaml.Pair(2, "tolerance", ConfigRenderer.UrlTestToleranceMs);

        yaml.Open(0, "rules");
        foreach (string range in PrivateRanges) yaml.Item(1, "IP-CIDR," + range + ",DIRECT,no-resolve");
        yaml.Item(1, "MATCH," + ConfigRenderer.SelectorTag);
        return Encoding.UTF8.GetBytes(yaml.ToString());
    }

    /// <summary>A profile that starts and connects nowhere: one group, named for <paramref name="reason"/>, that rejects.</summary>
    public static byte[] RenderStub(string reason)
    {
        var yaml = new YamlWriter();
        WriteHead(yaml);
        yaml.EmptyList(0, "proxies");
        yaml.Open(0, "proxy-groups");
        yaml.ItemPair(1, "name", reason);
        yaml.Pair(2, "type", "select");
        yaml.Strings(2, "proxies", ["REJECT"]);
        yaml.Open(0, "rules");
        yaml.Item(1, "MATCH,REJECT");
        return Encoding.UTF8.GetBytes(yaml.ToString());
    }

    private static void WriteHead(YamlWriter yaml)
    {
        yaml.Pair(0, "mixed-port", 7890);
        yaml.Pair(0, "allow-lan", false);
        yaml.Pair(0, "mode", "rule");
        yaml.Pair(0, "log-level", "warning");
        yaml.Pair(0, "ipv6", true);
        yaml.Open(0, "dns");
        yaml.Pair(1, "enable", true);
        yaml.Pair(1, "ipv6", true);
        yaml.Strings(1, "default-nameserver", ["1.1.1.1", "8.8.8.8"]);
        yaml.Strings(1, "nameserver", ["https://1.1.1.1/dns-query", "https://8.8.8.8/dns-query"]);
    }

    private static void WriteProxy(YamlWriter yaml, ProxyOutbound proxy)
    {
        InboundSpec spec = proxy.Inbound;
        yaml.ItemPair(1, "name", proxy.Tag);
        yaml.Pair(2, "type", spec.Protocol switch
        {
            InboundProtocol.Vless => "vless",
            InboundProtocol.Vmess => "vmess",
            InboundProtocol.Trojan => "trojan",
            InboundProtocol.Shadowsocks => "ss",
            InboundProtocol.Hysteria2 => "hysteria2",
            InboundProtocol.Tuic => "tuic",
            _ => "wireguard",
        });
        yaml.Pair(2, "server", spec.Host);
        yaml.Pair(2, "port", spec.Port);
        switch (spec.Settings)
        {
            case VlessSettings vless:
                yaml.Pair(2, "uuid", proxy.Uuid!);
                yaml.Pair(2, "udp", true);
                if (vless.Flow.Length > 0) yaml.Pair(2, "flow", vless.Flow);
                WriteStream(yaml, spec, "servername");
                break;
            case VmessSettings vmess:
                yaml.Pair(2, "uuid", proxy.Uuid!);
                yaml.Pair(2, "alterId", 0);
                yaml.Pair(2, "cipher", vmess.Security);
                yaml.Pair(2, "udp", true);
                WriteStream(yaml, spec, "servername");
                break;
            case TrojanSettings:
                yaml.Pair(2, "password", proxy.Password!);
                yaml.Pair(2, "udp", true);
                WriteStream(yaml, spec, "sni");
                break;
            case ShadowsocksSettings ss:
                yaml.Pair(2, "cipher", ss.Method);
                yaml.Pair(2, "password", proxy.Password!);
                yaml.Pair(2, "udp", true);
                break;
            case Hysteria2Settings hy2:
                yaml.Pair(2, "password", proxy.Password!);
                if (hy2.UpMbps is { } up) yaml.Pair(2, "up", up.ToString(CultureInfo.InvariantCulture) + " Mbps");
                if (hy2.DownMbps is { } down) yaml.Pair(2, "down", down.ToString(CultureInfo.InvariantCulture) + " Mbps");
                if (hy2.ObfsPassword is { } obfs)
                {
                    yaml.Pair(2, "obfs", "salamander");
                    yaml.Pair(2, "obfs-password", obfs);
                }
                WriteQuicTls(yaml, spec.Tls!);
                break;
            case TuicSettings tuic:
                yaml.Pair(2, "uuid", proxy.Uuid!);
                yaml.Pair(2, "password", proxy.Password!);
                yaml.Pair(2, "congestion-controller", tuic.CongestionControl ?? "cubic");
                yaml.Pair(2, "udp-relay-mode", tuic.UdpRelayMode ?? "native");
                yaml.Pair(2, "reduce-rtt", tuic.ZeroRttHandshake);
                WriteQuicTls(yaml, spec.Tls!);
                break;
            case WireGuardSettings wg:
                WriteWireGuard(yaml, wg, proxy.Peer!);
                break;
        }
    }

    /// <summary>mihomo's one-peer form: the tunnel's addresses without prefix length (<c>ip</c>, <c>ipv6</c>), then the node.</summary>
    private static void WriteWireGuard(YamlWriter yaml, WireGuardSettings wg, WireGuardPeer peer)
    {
        if (wg.Ipv4Pool is { } v4) yaml.Pair(2, "ip", v4.Address(peer.AddressIndex));
        if (wg.Ipv6Pool is { } v6) yaml.Pair(2, "ipv6", v6.Address(peer.AddressIndex));
        yaml.Pair(2, "private-key", peer.PrivateKey);
        yaml.Pair(2, "public-key", wg.PublicKey);
        if (peer.PresharedKey is { } psk) yaml.Pair(2, "pre-shared-key", psk);
        yaml.Strings(2, "allowed-ips", wg.AllowedIps);
        yaml.Pair(2, "udp", true);
        if (wg.Mtu is { } mtu) yaml.Pair(2, "mtu", mtu);
        if (wg.PersistentKeepalive is { } keepalive) yaml.Pair(2, "persistent-keepalive", keepalive);
        if (!wg.Dns.IsDefaultOrEmpty)
        {
            // mihomo uses dns only with remote-dns-resolve: names are then resolved inside the tunnel, as wg-quick's DNS does.
            yaml.Pair(2, "remote-dns-resolve", true);
            yaml.Strings(2, "dns", wg.Dns);
        }
    }

    /// <summary>The transport and TLS of vless, vmess and trojan; trojan names its SNI <c>sni</c> and is always TLS.</summary>
    private static void WriteStream(YamlWriter yaml, InboundSpec spec, string serverNameKey)
    {
        switch (spec.Transport)
        {
            case WsTransport ws:
                yaml.Pair(2, "network", "ws");
                yaml.Open(2, "ws-opts");
                yaml.Pair(3, "path", ws.Path);
                WriteHostHeader(yaml, ws.Host);
                if (ws.MaxEarlyData > 0)
                {
                    yaml.Pair(3, "max-early-data", ws.MaxEarlyData);
                    yaml.Pair(3, "early-data-header-name", "Sec-WebSocket-Protocol");
                }
                break;
            case HttpUpgradeTransport upgrade:
                yaml.Pair(2, "network", "ws");
                yaml.Open(2, "ws-opts");
                yaml.Pair(3, "path", upgrade.Path);
                WriteHostHeader(yaml, upgrade.Host);
                yaml.Pair(3, "v2ray-http-upgrade", true);
                break;
            case GrpcTransport grpc:
                yaml.Pair(2, "network", "grpc");
                yaml.Open(2, "grpc-opts");
                yaml.Pair(3, "grpc-service-name", grpc.ServiceName);
                break;
            case HttpTransport http:
                yaml.Pair(2, "network", "h2");
                yaml.Open(2, "h2-opts");
                if (!http.Hosts.IsDefaultOrEmpty) yaml.Strings(3, "host", http.Hosts);
                yaml.Pair(3, "path", http.Path);
                break;
        }
        if (spec.Tls is not { } tls) return;
        if (spec.Protocol != InboundProtocol.Trojan) yaml.Pair(2, "tls", true);
        if (tls.ServerName is { } serverName) yaml.Pair(2, serverNameKey, serverName);
        if (!tls.Alpn.IsDefaultOrEmpty) yaml.Strings(2, "alpn", tls.Alpn);
        if (tls.Insecure) yaml.Pair(2, "skip-cert-verify", true);
        if (tls.Fingerprint is { } fingerprint) yaml.Pair(2, "client-fingerprint", fingerprint);
        if (tls.Reality is { } reality)
        {
            yaml.Open(2, "reality-opts");
            yaml.Pair(3, "public-key", reality.PublicKey);
            yaml.Pair(3, "short-id", reality.ShortId);
        }
    }

    private static void WriteHostHeader(YamlWriter yaml, string? host)
    {
        if (host is null) return;
        yaml.Open(3, "headers");
        yaml.Pair(4, "Host", host);
    }

    /// <summary>hysteria2 and tuic: TLS is theirs and required; uTLS does not run over QUIC.</summary>
    private static void WriteQuicTls(YamlWriter yaml, TlsSpec tls)
    {
        if (tls.ServerName is { } serverName) yaml.Pair(2, "sni", serverName);
        if (!tls.Alpn.IsDefaultOrEmpty) yaml.Strings(2, "alpn", tls.Alpn);
        if (tls.Insecure) yaml.Pair(2, "skip-cert-verify", true);
    }
}
