using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Tests.SingBox;

public sealed class InboundSpecTests
{
    internal const string RealityKey = "jNXHt1yRo0vDuchQlIP6Z0ZvjT3KtzVI-T4E7RoLJS0";
    internal const string Psk16 = "AAECAwQFBgcICQoLDA0ODw==";
    internal const string Psk32 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    [Theory]
    [InlineData("vless", "tcp", "reality", $$"""{"flow":"xtls-rprx-vision","server_name":"www.example.com","reality_public_key":"{{RealityKey}}","reality_short_id":"0123456789abcdef"}""")]
    [InlineData("vless", "tcp", "tls", """{"flow":"xtls-rprx-vision","server_name":"a.example.com","alpn":["h2","http/1.1"],"utls_fingerprint":"firefox"}""")]
    [InlineData("vless", "ws", "tls", """{"path":"/ws","host_header":"cdn.example.com","max_early_data":2048}""")]
    [InlineData("vless", "grpc", "reality", $$"""{"service_name":"grpc","server_name":"www.example.com","reality_public_key":"{{RealityKey}}"}""")]
    [InlineData("vless", "tcp", "none", "{}")]
    [InlineData("vmess", "httpupgrade", "tls", """{"security":"chacha20-poly1305","path":"/up","host_header":"a.example.com"}""")]
    [InlineData("vmess", "http", "none", """{"host_header":["a.example.com","b.example.com"],"path":"/h"}""")]
    [InlineData("vmess", "quic", "tls", """{"server_name":"q.example.com"}""")]
    [InlineData("trojan", "tcp", "tls", """{"server_name":"t.example.com","insecure":true}""")]
    [InlineData("trojan", "http", "tls", """{"host_header":"a.example.com"}""")]
    [InlineData("shadowsocks", "tcp", "none", """{"method":"chacha20-ietf-poly1305"}""")]
    [InlineData("shadowsocks", "tcp", "none", $$"""{"method":"2022-blake3-aes-128-gcm","server_psk":"{{Psk16}}"}""")]
    [InlineData("shadowsocks", "tcp", "none", $$"""{"method":"2022-blake3-aes-256-gcm","server_psk":"{{Psk32}}"}""")]
    [InlineData("hysteria2", "udp", "tls", """{"obfs":"salamander","obfs_password":"o","up_mbps":50,"down_mbps":200,"alpn":"h3"}""")]
    [InlineData("hysteria2", "udp", "tls", "")]
    [InlineData("tuic", "udp", "tls", """{"congestion_control":"bbr","udp_relay_mode":"quic","zero_rtt_handshake":true,"alpn":["h3"]}""")]
    public void TryParse_ValidInbound_ReturnsSpecAndNoErrors(string protocol, string network, string tls, string settings)
    {
        bool ok = InboundSpec.TryParse(protocol, "node1.example.com", 443, network, tls, settings, out InboundSpec? spec, out var errors);
        Assert.True(ok, string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));
        Assert.NotNull(spec);
        Assert.Empty(errors);
        Assert.Equal(InboundValues.Protocols[protocol], spec.Protocol);
        Assert.Equal(tls == "none", spec.Tls is null);
    }

    [Fact]
    public void TryParse_Reality_DefaultsFingerprintToChromeAndKeepsKey()
    {
        Assert.True(InboundSpec.TryParse("vless", "1.2.3.4", 443, "tcp", "reality",
            $$"""{"server_name":"www.example.com","reality_public_key":"{{RealityKey}}"}""", out InboundSpec? spec, out _));
        Assert.Equal("chrome", spec.Tls!.Fingerprint);
        Assert.Equal(RealityKey, spec.Tls.Reality!.PublicKey);
        Assert.Equal("", spec.Tls.Reality.ShortId);
    }

    [Fact]
    public void TryParse_WsDefaults_PathSlashNoHostNoEarlyData()
    {
        Assert.True(InboundSpec.TryParse("trojan", "2001:db8::1", 8443, "ws", "tls", "{}", out InboundSpec? spec, out _));
        Assert.Equal(new WsTransport("/", null, 0), spec.Transport);
    }

    [Theory]
    [InlineData("socks", "tcp", "none", "{}", "protocol")]
    [InlineData("vless", "xhttp", "none", "{}", "network")]
    [InlineData("vless", "tcp", "xtls", "{}", "tls")]
    [InlineData("shadowsocks", "ws", "none", """{"method":"aes-128-gcm"}""", "network")]
    [InlineData("shadowsocks", "tcp", "tls", """{"method":"aes-128-gcm"}""", "tls")]
    [InlineData("hysteria2", "udp", "none", "{}", "tls")]
    [InlineData("hysteria2", "udp", "reality", "{}", "tls")]
    [InlineData("tuic", "tcp", "tls", "{}", "network")]
    [InlineData("vless", "quic", "reality", "{}", "tls")]
    [InlineData("vmess", "quic", "none", "{}", "tls")]
    [InlineData("trojan", "udp", "tls", "{}", "network")]
    [InlineData("vless", "ws", "tls", """{"flow":"xtls-rprx-vision"}""", "settings.flow")]
    [InlineData("vless", "tcp", "none", """{"flow":"xtls-rprx-vision"}""", "settings.flow")]
    [InlineData("vless", "tcp", "tls", """{"flow":"xtls-rprx-direct"}""", "settings.flow")]
    [InlineData("vless", "tcp", "tls", """{"utls_fingerprint":"none"}""", "settings.utls_fingerprint")]
    [InlineData("vless", "tcp", "tls", """{"fingerprint":"chrome"}""", "settings.fingerprint")]
    [InlineData("vless", "tcp", "tls", """{"alpn":[""]}""", "settings.alpn")]
    [InlineData("vless", "tcp", "tls", """{"server_name":"https://x"}""", "settings.server_name")]
    [InlineData("vless", "tcp", "tls", """{"insecure":"yes"}""", "settings.insecure")]
    [InlineData("vless", "tcp", "reality", $$"""{"reality_public_key":"{{RealityKey}}"}""", "settings.server_name")]
    [InlineData("vless", "tcp", "reality", """{"server_name":"a.com"}""", "settings.reality_public_key")]
    [InlineData("vless", "tcp", "reality", """{"server_name":"a.com","reality_public_key":"jNXHt1yRo0vDuchQlIP6Z0ZvjT3KtzVI-T4E7RoLJS0="}""", "settings.reality_public_key")]
    [InlineData("vless", "tcp", "reality", """{"server_name":"a.com","reality_public_key":"jNXHt1yRo0vDuchQlIP6Z0ZvjT3KtzVI+T4E7RoLJS0"}""", "settings.reality_public_key")]
    [InlineData("vless", "tcp", "reality", $$"""{"server_name":"a.com","reality_public_key":"{{RealityKey}}","reality_short_id":"abc"}""", "settings.reality_short_id")]
    [InlineData("vless", "tcp", "reality", $$"""{"server_name":"a.com","reality_public_key":"{{RealityKey}}","reality_short_id":"0123456789abcdef01"}""", "settings.reality_short_id")]
    [InlineData("vless", "tcp", "reality", $$"""{"server_name":"a.com","reality_public_key":"{{RealityKey}}","reality_short_id":"zz"}""", "settings.reality_short_id")]
    [InlineData("vless", "tcp", "reality", $$"""{"server_name":"a.com","reality_public_key":"{{RealityKey}}","insecure":true}""", "settings.insecure")]
    [InlineData("vless", "tcp", "none", """{"server_name":"a.com"}""", "settings.server_name")]
    [InlineData("vless", "tcp", "tls", """{"path":"/x"}""", "settings.path")]
    [InlineData("vless", "ws", "tls", """{"path":"x"}""", "settings.path")]
    [InlineData("vless", "ws", "tls", """{"max_early_data":-1}""", "settings.max_early_data")]
    [InlineData("vless", "ws", "tls", """{"host_header":["a.com"]}""", "settings.host_header")]
    [InlineData("vless", "grpc", "tls", """{"service_name":"a b"}""", "settings.service_name")]
    [InlineData("vmess", "tcp", "none", """{"security":"aes-256-cfb"}""", "settings.security")]
    [InlineData("vmess", "quic", "tls", """{"utls_fingerprint":"chrome"}""", "settings.utls_fingerprint")]
    [InlineData("shadowsocks", "tcp", "none", "{}", "settings.method")]
    [InlineData("shadowsocks", "tcp", "none", """{"method":"aes-256-cfb"}""", "settings.method")]
    [InlineData("shadowsocks", "tcp", "none", $$"""{"method":"2022-blake3-chacha20-poly1305","server_psk":"{{Psk32}}"}""", "settings.method")] // one shared key: no per-subscription usage
    [InlineData("shadowsocks", "tcp", "none", """{"method":"2022-blake3-aes-128-gcm"}""", "settings.server_psk")]
    [InlineData("shadowsocks", "tcp", "none", $$"""{"method":"2022-blake3-aes-128-gcm","server_psk":"{{Psk32}}"}""", "settings.server_psk")]
    [InlineData("shadowsocks", "tcp", "none", $$"""{"method":"2022-blake3-aes-256-gcm","server_psk":"{{Psk16}}"}""", "settings.server_psk")]
    [InlineData("shadowsocks", "tcp", "none", $$"""{"method":"aes-128-gcm","server_psk":"{{Psk16}}"}""", "settings.server_psk")]
    [InlineData("hysteria2", "udp", "tls", """{"obfs":"salamander"}""", "settings.obfs_password")]
    [InlineData("hysteria2", "udp", "tls", """{"obfs":"xor","obfs_password":"p"}""", "settings.obfs")]
    [InlineData("hysteria2", "udp", "tls", """{"obfs_password":"p"}""", "settings.obfs")]
    [InlineData("hysteria2", "udp", "tls", """{"up_mbps":0}""", "settings.up_mbps")]
    [InlineData("hysteria2", "udp", "tls", """{"utls_fingerprint":"chrome"}""", "settings.utls_fingerprint")]
    [InlineData("tuic", "udp", "tls", """{"congestion_control":"reno"}""", "settings.congestion_control")]
    [InlineData("tuic", "udp", "tls", """{"udp_relay_mode":"stream"}""", "settings.udp_relay_mode")]
    [InlineData("trojan", "tcp", "tls", "[1]", "settings")]
    [InlineData("trojan", "tcp", "tls", "{not json", "settings")]
    public void TryParse_Refused_ReportsTheField(string protocol, string network, string tls, string settings, string field)
    {
        bool ok = InboundSpec.TryParse(protocol, "node1.example.com", 443, network, tls, settings, out InboundSpec? spec, out var errors);
        Assert.False(ok);
        Assert.Null(spec);
        Assert.True(errors.ContainsKey(field), $"expected an error on {field}, got: " + string.Join("; ", errors.Keys));
        Assert.All(errors.Values, messages => Assert.All(messages, m => Assert.False(string.IsNullOrWhiteSpace(m))));
    }

    [Theory]
    [InlineData("", 443)]
    [InlineData("https://node.example.com", 443)]
    [InlineData("node.example.com:443", 443)]
    [InlineData("1.2.3", 443)]
    [InlineData("-bad.example.com", 443)]
    [InlineData("node.example.com", 0)]
    [InlineData("node.example.com", 65536)]
    public void TryParse_BadHostOrPort_ReportsHostOrPort(string host, int port)
    {
        Assert.False(InboundSpec.TryParse("trojan", host, port, "tcp", "tls", "{}", out _, out var errors));
        Assert.True(errors.ContainsKey("host") || errors.ContainsKey("port"));
    }

    [Fact]
    public void TryParse_SeveralProblems_ReportsEachOnItsField()
    {
        Assert.False(InboundSpec.TryParse("vless", "node.example.com", 443, "ws", "tls",
            """{"path":"nope","utls_fingerprint":"none","bogus":1}""", out _, out var errors));
        Assert.Equal(["settings.bogus", "settings.path", "settings.utls_fingerprint"], errors.Keys.Order(StringComparer.Ordinal));
    }
}
