using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Api.Tests.SingBox;
using Vpn.Perf.Api.Xray;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.ClientFormats;

/// <summary>
/// Xray JSON, loaded by Python's json and checked against the field names of Xray-core's config structs
/// (infra/conf: vless.go, vmess.go, trojan.go, shadowsocks.go, transport_internet.go, transport_security.go,
/// transport_method.go) and the transports current Xray accepts.
/// </summary>
public sealed class XrayRendererTests
{
    private const string CheckScript = """
        import sys, json
        doc = json.loads(sys.argv[1])
        errors = []
        def keys(obj, allowed, where):
            for k in obj:
                if k not in allowed: errors.append('%s takes no %s' % (where, k))
        if not isinstance(doc, list) or not doc: errors.append('not a non-empty array')
        for c in doc:
            keys(c, {'remarks', 'log', 'inbounds', 'outbounds', 'routing', 'dns'}, 'config')
            tags = set()
            for ib in c['inbounds']:
                keys(ib, {'tag', 'listen', 'port', 'protocol', 'settings', 'sniffing'}, 'inbound')
                if ib['protocol'] not in ('socks', 'http'): errors.append('inbound protocol ' + ib['protocol'])
            for ob in c['outbounds']:
                keys(ob, {'tag', 'protocol', 'settings', 'streamSettings'}, 'outbound')
                tags.add(ob['tag'])
                proto, s = ob['protocol'], ob.get('settings', {})
                if proto in ('vless', 'vmess'):
                    keys(s, {'vnext'}, proto + ' settings')
                    for server in s['vnext']:
                        keys(server, {'address', 'port', 'users'}, 'vnext')
                        for u in server['users']:
                            keys(u, {'id', 'encryption', 'flow'} if proto == 'vless' else {'id', 'security'}, proto + ' user')
                            if proto == 'vless' and u.get('encryption') != 'none': errors.append('vless without encryption none')
                elif proto in ('trojan', 'shadowsocks'):
                    keys(s, {'servers'}, proto + ' settings')
                    for server in s['servers']:
                        keys(server, {'address', 'port', 'password'} | ({'method'} if proto == 'shadowsocks' else set()), proto + ' server')
                elif proto == 'wireguard':
                    keys(s, {'secretKey', 'address', 'peers', 'mtu', 'workers', 'reserved', 'domainStrategy', 'noKernelTun'}, 'wireguard settings')
                    for peer in s['peers']:
                        keys(peer, {'endpoint', 'publicKey', 'preSharedKey', 'keepAlive', 'allowedIPs'}, 'wireguard peer')
                        if ':' not in peer['endpoint']: errors.append('endpoint without port')
                    if 'streamSettings' in ob: errors.append('wireguard takes no streamSettings')
                elif proto not in ('freedom', 'blackhole'):
                    errors.append('unknown protocol ' + proto)
                st = ob.get('streamSettings')
                if st:
                    keys(st, {'network', 'security', 'tlsSettings', 'realitySettings', 'wsSettings', 'grpcSettings', 'httpupgradeSettings'}, 'streamSettings')
                    if st['network'] not in ('tcp', 'raw', 'ws', 'grpc', 'httpupgrade'): errors.append('removed or unknown network ' + st['network'])
                    if st['security'] not in ('none', 'tls', 'reality'): errors.append('security ' + st['security'])
                    if st['security'] == 'reality':
                        r = st['realitySettings']
                        keys(r, {'serverName', 'fingerprint', 'publicKey', 'shortId', 'spiderX'}, 'realitySettings')
                        if not r.get('publicKey') or not r.get('fingerprint'): errors.append('reality without publicKey or fingerprint')
                    if 'tlsSettings' in st:
                        keys(st['tlsSettings'], {'serverName', 'alpn', 'fingerprint'}, 'tlsSettings')
                    for k, allowed in (('wsSettings', {'path', 'host'}), ('grpcSettings', {'serviceName'}), ('httpupgradeSettings', {'path', 'host'})):
                        if k in st: keys(st[k], allowed, k)
            if c['outbounds'][0]['tag'] not in ('proxy', 'block'): errors.append('first outbound is ' + c['outbounds'][0]['tag'])
            for rule in c['routing']['rules']:
                if rule['outboundTag'] not in tags: errors.append('rule to unknown outbound ' + rule['outboundTag'])
        print(json.dumps({'errors': errors, 'doc': doc}))
        """;

    [Fact]
    public async Task Render_EveryInbound_IsOneValidConfigPerDialableInbound()
    {
        JsonArray configs = await CheckAsync(XrayRenderer.Render(EveryInbound.Config, "none"));
        List<ProxyOutbound> kept = EveryInbound.Kept(XrayRenderer.CanExpress);
        Assert.Equal(kept.Count, configs.Count);
        for (int i = 0; i < kept.Count; i++)
        {
            Assert.Equal(kept[i].Tag, (string?)configs[i]!["remarks"]);
            Assert.Equal("proxy", (string?)configs[i]!["outbounds"]![0]!["tag"]);
        }
    }

    [Theory]
    [InlineData("hy2")]
    [InlineData("tuic")]
    [InlineData("vless-http")]
    [InlineData("vless-quic")]
    [InlineData("trojan-tcp")] // insecure: Xray 26 refuses allowInsecure
    public void CanExpress_WhatXrayRefuses_IsFalse(string inbound) => Assert.False(XrayRenderer.CanExpress(EveryInbound.Proxy(inbound).Inbound));

    [Fact]
    public async Task Render_WireGuard_IsXraysWireGuardOutbound()
    {
        byte[] body = XrayRenderer.Render(WireGuardInbounds.Config, "none");
        GoldenFiles.AssertMatches("xray-wireguard.json", Encoding.UTF8.GetString(body));
        JsonArray configs = await CheckAsync(body);
        Assert.Equal(3, configs.Count);
        JsonNode wg = configs[0]!["outbounds"]![0]!;
        Assert.Equal("wireguard", (string?)wg["protocol"]);
        Assert.Equal(WireGuardInbounds.PeerKey, (string?)wg["settings"]!["secretKey"]);
        Assert.Equal("wg.example.com:51820", (string?)wg["settings"]!["peers"]![0]!["endpoint"]);
        Assert.Equal("[2001:db8::51]:51820", (string?)configs[2]!["outbounds"]![0]!["settings"]!["peers"]![0]!["endpoint"]);
    }

    [Fact]
    public async Task Render_RealityVision_UsesVnextAndRealitySettings()
    {
        JsonNode proxy = await ProxyAsync("vless-reality");
        JsonNode user = proxy["settings"]!["vnext"]![0]!["users"]![0]!;
        Assert.Equal(ConfigRendererTests.Secret, (string?)user["id"]);
        Assert.Equal("xtls-rprx-vision", (string?)user["flow"]);
        JsonNode reality = proxy["streamSettings"]!["realitySettings"]!;
        Assert.Equal(InboundSpecTests.RealityKey, (string?)reality["publicKey"]);
        Assert.Equal("0123456789abcdef", (string?)reality["shortId"]);
        Assert.Equal("www.example.com", (string?)reality["serverName"]);
        Assert.Equal("chrome", (string?)reality["fingerprint"]);
    }

    [Fact]
    public async Task Render_WebSocketWithEarlyData_PutsEdOnThePathAndHostApart()
    {
        JsonNode stream = (await ProxyAsync("vless-ws"))["streamSettings"]!;
        Assert.Equal("ws", (string?)stream["network"]);
        Assert.Equal("/vl?ed=2048", (string?)stream["wsSettings"]!["path"]);
        Assert.Equal("cdn.example.com", (string?)stream["wsSettings"]!["host"]);
        Assert.Equal("firefox", (string?)stream["tlsSettings"]!["fingerprint"]);
    }

    [Fact]
    public async Task Render_TrojanGrpcAndShadowsocks2022_CarryServersAndCredentials()
    {
        JsonNode trojan = await ProxyAsync("trojan-grpc");
        Assert.Equal(ConfigRendererTests.Secret, (string?)trojan["settings"]!["servers"]![0]!["password"]);
        Assert.Equal("tg", (string?)trojan["streamSettings"]!["grpcSettings"]!["serviceName"]);

        JsonNode ss = await ProxyAsync("ss-2022");
        Assert.Equal("2022-blake3-aes-256-gcm", (string?)ss["settings"]!["servers"]![0]!["method"]);
        Assert.Equal(EveryInbound.Proxy("ss-2022").Password, (string?)ss["settings"]!["servers"]![0]!["password"]);
        Assert.Null(ss["streamSettings"]);
    }

    [Fact]
    public async Task Render_NothingDialable_IsTheStubNamedForTheReason()
    {
        ClientConfig onlyHy2 = ClientConfig.Build(ConfigTemplate.Default,
            [new ConfigInbound("n", "h", EveryInbound.Proxy("hy2").Inbound)], ConfigRendererTests.Secret);
        JsonNode config = Assert.Single(await CheckAsync(XrayRenderer.Render(onlyHy2, "No server for this app")))!;
        Assert.Equal("No server for this app", (string?)config["remarks"]);
        Assert.DoesNotContain(config["outbounds"]!.AsArray(), o => (string?)o!["tag"] == "proxy");
    }

    [Fact]
    public void Render_EveryInbound_MatchesGolden()
    {
        // Indented for review; the comparison keeps key order, so an order change fails too.
        JsonNode rendered = JsonNode.Parse(XrayRenderer.Render(EveryInbound.Config, "none"))!;
        GoldenFiles.AssertMatches("xray.json", rendered.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = ConfigRenderer.WriterOptions.Encoder }) + "\n");
    }

    private static async Task<JsonNode> ProxyAsync(string inbound)
    {
        string tag = EveryInbound.Proxy(inbound).Tag;
        JsonNode config = (await CheckAsync(XrayRenderer.Render(EveryInbound.Config, "none"))).Single(c => (string?)c!["remarks"] == tag)!;
        return config["outbounds"]![0]!;
    }

    private static async Task<JsonArray> CheckAsync(byte[] json)
    {
        JsonNode result = JsonNode.Parse(await Python.RunAsync(CheckScript, Encoding.UTF8.GetString(json)))!;
        Assert.Empty(result["errors"]!.AsArray().Select(e => (string?)e));
        return result["doc"]!.AsArray();
    }
}
