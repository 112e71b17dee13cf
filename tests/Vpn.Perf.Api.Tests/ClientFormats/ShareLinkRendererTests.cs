using System.Text;
using System.Text.Json.Nodes;
using Vpn.Perf.Api.ShareLinks;
using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Api.Tests.SingBox;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.ClientFormats;

/// <summary>Share links, read back by Python's urllib.parse, base64 and json (implementations nobody here wrote).</summary>
public sealed class ShareLinkRendererTests
{
    // Each link as a JSON object of what urllib.parse (and base64/json for vmess and ss) finds in it.
    private const string ParseScript = """
        import sys, json, base64, urllib.parse as up
        def b64(s):
            s = s.replace('-', '+').replace('_', '/')
            return base64.b64decode(s + '=' * (-len(s) % 4), validate=True).decode()
        out = []
        for line in sys.argv[1].split('\n'):
            if not line:
                continue
            u = up.urlsplit(line)
            item = {'scheme': u.scheme, 'name': up.unquote(u.fragment)}
            if u.scheme == 'vmess':
                item['json'] = json.loads(b64(line[len('vmess://'):]))
            else:
                item['host'] = u.hostname
                item['port'] = u.port
                item['user'] = up.unquote(u.username) if u.username is not None else None
                item['password'] = up.unquote(u.password) if u.password is not None else None
                item['query'] = {k: v[0] for k, v in up.parse_qs(u.query, strict_parsing=bool(u.query)).items()}
                if u.scheme == 'ss':
                    raw = u.netloc.rsplit('@', 1)[0]
                    item['userinfo'] = up.unquote(raw) if ':' in raw else b64(raw)
            out.append(item)
        print(json.dumps(out))
        """;

    [Fact]
    public async Task RenderPlain_EveryInbound_EachLinkReadsBackWithItsServerCredentialsAndSettings()
    {
        List<ProxyOutbound> kept = EveryInbound.Kept(ShareLinkRenderer.CanExpress);
        JsonArray links = await ParseAsync(ShareLinkRenderer.RenderPlain(EveryInbound.Config));

        Assert.Equal(kept.Count, links.Count);
        for (int i = 0; i < kept.Count; i++)
        {
            ProxyOutbound proxy = kept[i];
            JsonNode link = links[i]!;
            if (proxy.Inbound.Protocol == InboundProtocol.Vmess)
            {
                // v2rayN's form: the name is the JSON's ps, the link has no fragment.
                JsonNode json = link["json"]!;
                Assert.Equal(proxy.Tag, (string?)json["ps"]);
                Assert.Equal(proxy.Inbound.Host, (string?)json["add"]);
                Assert.Equal("8443", (string?)json["port"]);
                Assert.Equal(proxy.Uuid, (string?)json["id"]);
                Assert.Equal("0", (string?)json["aid"]);
                continue;
            }
            Assert.Equal(proxy.Tag, (string?)link["name"]);
            Assert.Equal(proxy.Inbound.Host, (string?)link["host"]);
            Assert.Equal(8443, (int?)link["port"]);
        }
    }

    [Fact]
    public async Task RenderPlain_VlessOverReality_CarriesFlowKeyAndShortIdAsXtlsNamesThem()
    {
        JsonNode link = await ParseOneAsync(EveryInbound.Proxy("vless-reality"));
        Assert.Equal("vless", (string?)link["scheme"]);
        Assert.Equal(ConfigRendererTests.Secret, (string?)link["user"]);
        JsonNode query = link["query"]!;
        Assert.Equal("tcp", (string?)query["type"]);
        Assert.Equal("none", (string?)query["encryption"]);
        Assert.Equal("reality", (string?)query["security"]);
        Assert.Equal("xtls-rprx-vision", (string?)query["flow"]);
        Assert.Equal("www.example.com", (string?)query["sni"]);
        Assert.Equal("chrome", (string?)query["fp"]);
        Assert.Equal(InboundSpecTests.RealityKey, (string?)query["pbk"]);
        Assert.Equal("0123456789abcdef", (string?)query["sid"]);
    }

    [Fact]
    public async Task RenderPlain_WebSocketWithEarlyData_PutsEdOnThePathAsXrayReadsIt()
    {
        JsonNode query = (await ParseOneAsync(EveryInbound.Proxy("vless-ws")))["query"]!;
        Assert.Equal("ws", (string?)query["type"]);
        Assert.Equal("/vl?ed=2048", (string?)query["path"]);
        Assert.Equal("cdn.example.com", (string?)query["host"]);
        Assert.Equal("tls", (string?)query["security"]);
        Assert.Equal("firefox", (string?)query["fp"]);
    }

    [Theory]
    [InlineData("vless-grpc", "grpc", "serviceName", "vg")]
    [InlineData("vless-http", "http", "host", "a.example.com,b.example.com")]
    [InlineData("vless-upgrade", "httpupgrade", "path", "/up")]
    [InlineData("vless-quic", "quic", "sni", "quic.example.com")]
    [InlineData("trojan-grpc", "grpc", "serviceName", "tg")]
    [InlineData("trojan-ws-plain", "ws", "security", "none")]
    public async Task RenderPlain_Transport_IsNamedWithItsKey(string inbound, string type, string key, string value)
    {
        JsonNode query = (await ParseOneAsync(EveryInbound.Proxy(inbound)))["query"]!;
        Assert.Equal(type, (string?)query["type"]);
        Assert.Equal(value, (string?)query[key]);
    }

    [Fact]
    public async Task RenderPlain_TrojanInsecure_CarriesPasswordAlpnAndAllowInsecure()
    {
        JsonNode link = await ParseOneAsync(EveryInbound.Proxy("trojan-tcp"));
        Assert.Equal("trojan", (string?)link["scheme"]);
        Assert.Equal(ConfigRendererTests.Secret, (string?)link["user"]);
        Assert.Equal("h2,http/1.1", (string?)link["query"]!["alpn"]);
        Assert.Equal("1", (string?)link["query"]!["allowInsecure"]);
    }

    [Fact]
    public async Task RenderPlain_Shadowsocks_LegacyIsBase64AndTwentyTwentyTwoIsPercentEncoded()
    {
        ProxyOutbound legacy = EveryInbound.Proxy("ss-aead");
        ProxyOutbound modern = EveryInbound.Proxy("ss-2022");
        Assert.Equal("chacha20-ietf-poly1305:" + legacy.Password, (string?)(await ParseOneAsync(legacy))["userinfo"]);
        Assert.Equal("2022-blake3-aes-256-gcm:" + modern.Password, (string?)(await ParseOneAsync(modern))["userinfo"]);
        Assert.StartsWith(InboundSpecTests.Psk32 + ":", modern.Password, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderPlain_Hysteria2AndTuic_CarryTheirObfsAndCongestionKeys()
    {
        JsonNode hy2 = await ParseOneAsync(EveryInbound.Proxy("hy2"));
        Assert.Equal("hysteria2", (string?)hy2["scheme"]);
        Assert.Equal(ConfigRendererTests.Secret, (string?)hy2["user"]);
        Assert.Equal("salamander", (string?)hy2["query"]!["obfs"]);
        Assert.Equal("salad & dressing", (string?)hy2["query"]!["obfs-password"]);
        Assert.Equal("hy.example.com", (string?)hy2["query"]!["sni"]);

        JsonNode tuic = await ParseOneAsync(EveryInbound.Proxy("tuic"));
        Assert.Equal("tuic", (string?)tuic["scheme"]);
        Assert.Equal(ConfigRendererTests.Secret, (string?)tuic["user"]);
        Assert.Equal(ConfigRendererTests.Secret, (string?)tuic["password"]);
        Assert.Equal("bbr", (string?)tuic["query"]!["congestion_control"]);
        Assert.Equal("h3", (string?)tuic["query"]!["alpn"]);
        Assert.Equal("1", (string?)tuic["query"]!["zero_rtt_handshake"]);
    }

    [Fact]
    public async Task RenderPlain_Ipv6Server_IsBracketed()
    {
        JsonNode link = await ParseOneAsync(EveryInbound.Proxy("vless-v6"));
        Assert.Equal("2001:db8::1", (string?)link["host"]);
        Assert.Contains("@[2001:db8::1]:8443?", ShareLinkRenderer.Link(EveryInbound.Proxy("vless-v6")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderPlain_VmessWebSocket_IsV2rayNJson()
    {
        JsonNode json = (await ParseOneAsync(EveryInbound.Proxy("vmess-ws")))["json"]!;
        Assert.Equal("2", (string?)json["v"]);
        Assert.Equal("ws", (string?)json["net"]);
        Assert.Equal("/vm", (string?)json["path"]);
        Assert.Equal("tls", (string?)json["tls"]);
        Assert.Equal("vm.example.com", (string?)json["sni"]);
        Assert.Equal("auto", (string?)json["scy"]);
    }

    [Fact]
    public void RenderPlain_VmessOverReality_IsLeftOut()
    {
        string plain = Encoding.UTF8.GetString(ShareLinkRenderer.RenderPlain(EveryInbound.Config));
        Assert.False(ShareLinkRenderer.CanExpress(EveryInbound.Proxy("vmess-grpc-reality").Inbound));
        Assert.Equal(EveryInbound.Config.Proxies.Length - 1, plain.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task RenderBase64_DecodedByPython_IsThePlainList()
    {
        byte[] plain = ShareLinkRenderer.RenderPlain(EveryInbound.Config);
        string decoded = await Python.RunAsync("import sys, base64; sys.stdout.write(base64.b64decode(sys.argv[1], validate=True).decode())",
            Encoding.ASCII.GetString(ShareLinkRenderer.RenderBase64(EveryInbound.Config)));
        Assert.Equal(Encoding.UTF8.GetString(plain), decoded);
    }

    [Fact]
    public async Task RenderStub_IsOneLinkNamedForTheReasonThatDialsNowhere()
    {
        JsonArray links = await ParseAsync(ShareLinkRenderer.RenderStub("Device limit reached (3 of 3)", base64: false));
        JsonNode link = Assert.Single(links)!;
        Assert.Equal("Device limit reached (3 of 3)", (string?)link["name"]);
        Assert.Equal("0.0.0.0", (string?)link["host"]);
        Assert.Equal(1, (int?)link["port"]);
        Assert.Equal(Convert.ToBase64String(ShareLinkRenderer.RenderStub("x", base64: false)),
            Encoding.ASCII.GetString(ShareLinkRenderer.RenderStub("x", base64: true)));
    }

    [Fact]
    public void RenderPlain_EveryInbound_MatchesGolden()
        => GoldenFiles.AssertMatches("links.txt", Encoding.UTF8.GetString(ShareLinkRenderer.RenderPlain(EveryInbound.Config)));

    private static async Task<JsonArray> ParseAsync(byte[] plain)
        => JsonNode.Parse(await Python.RunAsync(ParseScript, Encoding.UTF8.GetString(plain)))!.AsArray();

    private static async Task<JsonNode> ParseOneAsync(ProxyOutbound proxy)
        => (await ParseAsync(Encoding.UTF8.GetBytes(ShareLinkRenderer.Link(proxy) + "\n")))[0]!;
}
