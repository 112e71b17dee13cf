using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Api.Tests.SingBox;

namespace Vpn.Perf.Api.Tests.ClientFormats;

/// <summary>
/// A subscription linked to one inbound of every protocol, transport and security the renderer accepts (and the
/// settings that change a client's output: flow, early data, host headers, ALPN, uTLS, insecure, obfuscation, an IPv6
/// server), under a node name that needs escaping in every format. Each format's tests render it.
/// </summary>
internal static class EveryInbound
{
    public const string AwkwardNode = "Zürich \"#1\": 50% / yes";

    public static ClientConfig Config { get; } = ClientConfig.Build(ConfigTemplate.Default,
    [
        new ConfigInbound(AwkwardNode, "vless-reality", Spec("vless", "tcp", "reality",
            $$"""{"flow":"xtls-rprx-vision","server_name":"www.example.com","reality_public_key":"{{InboundSpecTests.RealityKey}}","reality_short_id":"0123456789abcdef"}""")),
        new ConfigInbound("nl-1", "vless-ws", Spec("vless", "ws", "tls", """{"path":"/vl","host_header":"cdn.example.com","max_early_data":2048,"server_name":"cdn.example.com","utls_fingerprint":"firefox"}""")),
        new ConfigInbound("nl-1", "vless-grpc", Spec("vless", "grpc", "tls", """{"service_name":"vg","server_name":"grpc.example.com","alpn":["h2"]}""")),
        new ConfigInbound("nl-1", "vless-http", Spec("vless", "http", "tls", """{"path":"/h2","host_header":["a.example.com","b.example.com"],"server_name":"a.example.com"}""")),
        new ConfigInbound("nl-1", "vless-upgrade", Spec("vless", "httpupgrade", "none", """{"path":"/up","host_header":"up.example.com"}""")),
        new ConfigInbound("nl-1", "vless-quic", Spec("vless", "quic", "tls", """{"server_name":"quic.example.com"}""")),
        new ConfigInbound("de-1", "vmess-tcp", Spec("vmess", "tcp", "none", """{"security":"aes-128-gcm"}""")),
        new ConfigInbound("de-1", "vmess-ws", Spec("vmess", "ws", "tls", """{"path":"/vm","server_name":"vm.example.com"}""")),
        new ConfigInbound("de-1", "vmess-grpc-reality", Spec("vmess", "grpc", "reality",
            $$"""{"service_name":"vr","server_name":"www.example.org","reality_public_key":"{{InboundSpecTests.RealityKey}}"}""")),
        new ConfigInbound("de-1", "trojan-tcp", Spec("trojan", "tcp", "tls", """{"server_name":"tr.example.com","alpn":["h2","http/1.1"],"insecure":true}""")),
        new ConfigInbound("de-1", "trojan-grpc", Spec("trojan", "grpc", "tls", """{"service_name":"tg","server_name":"tr.example.com","utls_fingerprint":"chrome"}""")),
        new ConfigInbound("de-1", "trojan-ws-plain", Spec("trojan", "ws", "none", """{"path":"/tw"}""")),
        new ConfigInbound("fi-1", "ss-aead", Spec("shadowsocks", "tcp", "none", """{"method":"chacha20-ietf-poly1305"}""")),
        new ConfigInbound("fi-1", "ss-2022", Spec("shadowsocks", "tcp", "none", $$"""{"method":"2022-blake3-aes-256-gcm","server_psk":"{{InboundSpecTests.Psk32}}"}""")),
        new ConfigInbound("fi-1", "hy2", Spec("hysteria2", "udp", "tls", """{"server_name":"hy.example.com","obfs":"salamander","obfs_password":"salad & dressing","up_mbps":50,"down_mbps":200}""")),
        new ConfigInbound("fi-1", "tuic", Spec("tuic", "udp", "tls", """{"server_name":"tu.example.com","congestion_control":"bbr","alpn":["h3"],"zero_rtt_handshake":true}""")),
        new ConfigInbound("v6-1", "vless-v6", Spec("vless", "tcp", "tls", """{"server_name":"v6.example.com"}""", host: "2001:db8::1")),
    ], ConfigRendererTests.Secret);

    /// <summary>The proxies a format with <paramref name="canExpress"/> keeps, in config order.</summary>
    public static List<ProxyOutbound> Kept(Func<InboundSpec, bool> canExpress)
    {
        var kept = new List<ProxyOutbound>();
        foreach (ProxyOutbound proxy in Config.Proxies)
        {
            if (canExpress(proxy.Inbound)) kept.Add(proxy);
        }
        return kept;
    }

    public static ProxyOutbound Proxy(string tagSuffix) => Config.Proxies.Single(p => p.Tag.EndsWith("-" + tagSuffix, StringComparison.Ordinal));

    private static InboundSpec Spec(string protocol, string network, string tls, string settings, string host = "node1.example.com")
    {
        Assert.True(InboundSpec.TryParse(protocol, host, 8443, network, tls, settings, out InboundSpec? spec, out var errors),
            string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));
        return spec;
    }
}
