using System.Text;
using System.Text.Json.Nodes;
using Vpn.Perf.Api.Mihomo;
using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Api.Tests.SingBox;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.ClientFormats;

/// <summary>
/// mihomo profiles, loaded by PyYAML (Debian's python3-yaml) and checked against the option names of mihomo's own
/// structs (adapter/outbound/*.go: the <c>proxy:"..."</c> tags), groups and rules.
/// </summary>
public sealed class MihomoRendererTests
{
    // Loads the YAML, checks it structurally, prints {"errors": [...], "doc": <the document>}.
    private const string CheckScript = """
        import sys, json, yaml
        doc = yaml.safe_load(sys.argv[1])
        errors = []
        tls = {'tls', 'servername', 'alpn', 'skip-cert-verify', 'fingerprint', 'client-fingerprint', 'reality-opts'}
        stream = {'network', 'ws-opts', 'grpc-opts', 'h2-opts', 'http-opts'}
        allowed = {
            'vless': {'uuid', 'flow', 'udp', 'packet-encoding'} | tls | stream,
            'vmess': {'uuid', 'alterId', 'cipher', 'udp', 'packet-encoding'} | tls | stream,
            'trojan': {'password', 'sni', 'alpn', 'skip-cert-verify', 'fingerprint', 'client-fingerprint', 'udp', 'network',
                       'reality-opts', 'grpc-opts', 'ws-opts'},
            'ss': {'cipher', 'password', 'udp', 'plugin', 'plugin-opts', 'udp-over-tcp'},
            'hysteria2': {'password', 'up', 'down', 'obfs', 'obfs-password', 'sni', 'skip-cert-verify', 'alpn', 'fingerprint'},
            'tuic': {'uuid', 'password', 'sni', 'alpn', 'skip-cert-verify', 'congestion-controller', 'udp-relay-mode', 'reduce-rtt'},
            'wireguard': {'ip', 'ipv6', 'private-key', 'public-key', 'pre-shared-key', 'allowed-ips', 'udp', 'mtu', 'persistent-keepalive',
                          'remote-dns-resolve', 'dns', 'reserved', 'workers'},
        }
        required = {'vless': {'uuid'}, 'vmess': {'uuid', 'cipher', 'alterId'}, 'trojan': {'password'}, 'ss': {'cipher', 'password'},
                    'hysteria2': {'password'}, 'tuic': {'uuid', 'password'}, 'wireguard': {'private-key', 'public-key', 'allowed-ips'}}
        networks = {'vless': {'ws', 'h2', 'grpc', 'http'}, 'vmess': {'ws', 'h2', 'grpc', 'http'}, 'trojan': {'ws', 'grpc'}}
        opts = {'ws-opts': {'path', 'headers', 'max-early-data', 'early-data-header-name', 'v2ray-http-upgrade'},
                'grpc-opts': {'grpc-service-name'}, 'h2-opts': {'host', 'path'}, 'reality-opts': {'public-key', 'short-id'}}
        ciphers = {'aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm', 'chacha20-ietf-poly1305', 'xchacha20-ietf-poly1305',
                   '2022-blake3-aes-128-gcm', '2022-blake3-aes-256-gcm', '2022-blake3-chacha20-poly1305'}
        for key in doc:
            if key not in {'mixed-port', 'allow-lan', 'mode', 'log-level', 'ipv6', 'dns', 'proxies', 'proxy-groups', 'rules'}:
                errors.append('unknown top-level key ' + key)
        names = set()
        for p in doc['proxies']:
            t = p.get('type')
            if t not in allowed:
                errors.append('unknown type %r' % t); continue
            for k in ('name', 'server', 'port'):
                if k not in p: errors.append('%s without %s' % (t, k))
            if not isinstance(p.get('port'), int) or not 0 < p['port'] < 65536: errors.append('bad port in ' + p['name'])
            if p['name'] in names: errors.append('duplicate name ' + p['name'])
            names.add(p['name'])
            for k in p:
                if k not in allowed[t] | {'name', 'type', 'server', 'port'}: errors.append('%s takes no %s' % (t, k))
            for k in required[t] - set(p): errors.append('%s needs %s' % (t, k))
            if 'network' in p and p['network'] not in networks.get(t, set()): errors.append('%s has no network %s' % (t, p['network']))
            for k, keys in opts.items():
                if k in p:
                    for sub in p[k]:
                        if sub not in keys: errors.append('%s takes no %s' % (k, sub))
            if 'reality-opts' in p and 'client-fingerprint' not in p: errors.append('reality without client-fingerprint')
            if t == 'ss' and p['cipher'] not in ciphers: errors.append('unknown cipher ' + p['cipher'])
            if 'alpn' in p and not all(isinstance(x, str) for x in p['alpn']): errors.append('alpn not strings')
            if t == 'wireguard':
                import base64, ipaddress
                for k in ('private-key', 'public-key', 'pre-shared-key'):
                    if k in p and len(base64.b64decode(p[k], validate=True)) != 32: errors.append(k + ' not 32 bytes')
                if 'ip' not in p and 'ipv6' not in p: errors.append('wireguard without ip or ipv6')
                if 'ip' in p: ipaddress.IPv4Address(p['ip'])
                if 'ipv6' in p: ipaddress.IPv6Address(p['ipv6'])
                for a in p['allowed-ips']: ipaddress.ip_network(a)
                if 'dns' in p and not p.get('remote-dns-resolve'): errors.append('dns without remote-dns-resolve is ignored')
        builtin = {'DIRECT', 'REJECT', 'PASS'}
        groups = {g['name'] for g in doc['proxy-groups']}
        for g in doc['proxy-groups']:
            if g['type'] not in ('select', 'url-test'): errors.append('group type ' + g['type'])
            if not g['proxies']: errors.append('empty group ' + g['name'])
            for member in g['proxies']:
                if member not in names | groups | builtin: errors.append('group %s names unknown %s' % (g['name'], member))
        for rule in doc['rules']:
            target = rule.split(',')[2 if not rule.startswith('MATCH') else 1]
            if target not in names | groups | builtin: errors.append('rule to unknown ' + target)
        print(json.dumps({'errors': errors, 'doc': doc}))
        """;

    [Fact]
    public async Task Render_EveryInbound_IsValidForMihomoWithEveryDialableInbound()
    {
        JsonNode doc = await CheckAsync(MihomoRenderer.Render(EveryInbound.Config, "none"));
        List<ProxyOutbound> kept = EveryInbound.Kept(MihomoRenderer.CanExpress);
        JsonArray proxies = doc["proxies"]!.AsArray();
        Assert.Equal(kept.Count, proxies.Count);
        for (int i = 0; i < kept.Count; i++)
        {
            Assert.Equal(kept[i].Tag, (string?)proxies[i]!["name"]);
            Assert.Equal(kept[i].Inbound.Host, (string?)proxies[i]!["server"]);
            Assert.Equal(8443, (int?)proxies[i]!["port"]);
        }
        JsonArray groups = doc["proxy-groups"]!.AsArray();
        Assert.Equal(["proxy", "auto"], groups.Select(g => (string?)g!["name"]));
        Assert.Equal(kept.Count + 1, groups[0]!["proxies"]!.AsArray().Count);
        Assert.Equal("MATCH,proxy", (string?)doc["rules"]!.AsArray()[^1]);
    }

    [Fact]
    public async Task Render_WireGuard_IsMihomosWireGuardProxy()
    {
        byte[] body = MihomoRenderer.Render(WireGuardInbounds.Config, "none");
        GoldenFiles.AssertMatches("mihomo-wireguard.yaml", Encoding.UTF8.GetString(body));
        JsonNode doc = await CheckAsync(body);
        JsonArray proxies = doc["proxies"]!.AsArray();
        Assert.Equal(WireGuardInbounds.Config.Proxies.Select(p => p.Tag), proxies.Select(p => (string?)p!["name"]));
        JsonNode wg = proxies[0]!;
        Assert.Equal("wireguard", (string?)wg["type"]);
        Assert.Equal("10.66.0.7", (string?)wg["ip"]);
        Assert.Equal("fd42:66::7", (string?)wg["ipv6"]);
        Assert.Equal(WireGuardInbounds.PeerKey, (string?)wg["private-key"]);
        Assert.Equal(WireGuardInbounds.NodeKey, (string?)wg["public-key"]);
        Assert.Equal(WireGuardInbounds.Psk, (string?)wg["pre-shared-key"]);
        Assert.Equal(51820, (int?)wg["port"]);
        JsonNode v6 = proxies[2]!;
        Assert.Null(v6["ip"]);
        Assert.Equal("fd42:77::2", (string?)v6["ipv6"]);
        Assert.Equal("2001:db8::51", (string?)v6["server"]);
    }

    [Fact]
    public async Task Render_AwkwardNodeName_SurvivesYamlAsTheSameString()
    {
        JsonNode doc = await CheckAsync(MihomoRenderer.Render(EveryInbound.Config, "none"));
        Assert.Equal(EveryInbound.Proxy("vless-reality").Tag, (string?)doc["proxies"]![0]!["name"]);
        Assert.StartsWith(EveryInbound.AwkwardNode, EveryInbound.Proxy("vless-reality").Tag, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_RealityVision_UsesMihomoNames()
    {
        JsonNode p = await ProxyAsync("vless-reality");
        Assert.Equal("vless", (string?)p["type"]);
        Assert.Equal(ConfigRendererTests.Secret, (string?)p["uuid"]);
        Assert.Equal("xtls-rprx-vision", (string?)p["flow"]);
        Assert.True((bool?)p["tls"]);
        Assert.Equal("www.example.com", (string?)p["servername"]);
        Assert.Equal("chrome", (string?)p["client-fingerprint"]);
        Assert.Equal(InboundSpecTests.RealityKey, (string?)p["reality-opts"]!["public-key"]);
        Assert.Equal("0123456789abcdef", (string?)p["reality-opts"]!["short-id"]);
    }

    [Fact]
    public async Task Render_WebSocketAndHttpUpgrade_AreWsWithTheirOptions()
    {
        JsonNode ws = await ProxyAsync("vless-ws");
        Assert.Equal("ws", (string?)ws["network"]);
        Assert.Equal("/vl", (string?)ws["ws-opts"]!["path"]);
        Assert.Equal("cdn.example.com", (string?)ws["ws-opts"]!["headers"]!["Host"]);
        Assert.Equal(2048, (int?)ws["ws-opts"]!["max-early-data"]);
        Assert.Equal("Sec-WebSocket-Protocol", (string?)ws["ws-opts"]!["early-data-header-name"]);

        JsonNode upgrade = await ProxyAsync("vless-upgrade");
        Assert.Equal("ws", (string?)upgrade["network"]);
        Assert.True((bool?)upgrade["ws-opts"]!["v2ray-http-upgrade"]);
        Assert.Null(upgrade["tls"]);
    }

    [Fact]
    public async Task Render_HttpOverTls_IsH2WithItsHosts()
    {
        JsonNode p = await ProxyAsync("vless-http");
        Assert.Equal("h2", (string?)p["network"]);
        Assert.Equal(["a.example.com", "b.example.com"], p["h2-opts"]!["host"]!.AsArray().Select(h => (string?)h));
    }

    [Fact]
    public async Task Render_TrojanShadowsocksHysteria2Tuic_CarryTheirCredentialsAndOptions()
    {
        JsonNode trojan = await ProxyAsync("trojan-tcp");
        Assert.Equal(ConfigRendererTests.Secret, (string?)trojan["password"]);
        Assert.Equal("tr.example.com", (string?)trojan["sni"]);
        Assert.True((bool?)trojan["skip-cert-verify"]);

        JsonNode ss = await ProxyAsync("ss-2022");
        Assert.Equal("2022-blake3-aes-256-gcm", (string?)ss["cipher"]);
        Assert.Equal(EveryInbound.Proxy("ss-2022").Password, (string?)ss["password"]);

        JsonNode hy2 = await ProxyAsync("hy2");
        Assert.Equal("50 Mbps", (string?)hy2["up"]);
        Assert.Equal("200 Mbps", (string?)hy2["down"]);
        Assert.Equal("salad & dressing", (string?)hy2["obfs-password"]);

        JsonNode tuic = await ProxyAsync("tuic");
        Assert.Equal("bbr", (string?)tuic["congestion-controller"]);
        Assert.True((bool?)tuic["reduce-rtt"]);
        Assert.Equal(["h3"], tuic["alpn"]!.AsArray().Select(a => (string?)a));
    }

    [Theory]
    [InlineData("vless-quic")]
    [InlineData("trojan-ws-plain")]
    public void CanExpress_WhatMihomoCannotDial_IsFalse(string inbound)
        => Assert.False(MihomoRenderer.CanExpress(EveryInbound.Proxy(inbound).Inbound));

    [Fact]
    public async Task Render_NothingDialable_IsTheStubNamedForTheReason()
    {
        ClientConfig onlyQuic = ClientConfig.Build(ConfigTemplate.Default,
            [new ConfigInbound("n", "q", EveryInbound.Proxy("vless-quic").Inbound)], ConfigRendererTests.Secret);
        JsonNode doc = await CheckAsync(MihomoRenderer.Render(onlyQuic, "No server for this app"));
        Assert.Empty(doc["proxies"]!.AsArray());
        Assert.Equal("No server for this app", (string?)doc["proxy-groups"]![0]!["name"]);
        Assert.Equal("MATCH,REJECT", (string?)doc["rules"]![0]);
    }

    [Fact]
    public async Task RenderStub_IsValidAndRejectsEverything()
    {
        JsonNode doc = await CheckAsync(MihomoRenderer.RenderStub("Traffic limit reached: \"50 GB\""));
        Assert.Equal("Traffic limit reached: \"50 GB\"", (string?)doc["proxy-groups"]![0]!["name"]);
        Assert.Equal(["REJECT"], doc["proxy-groups"]![0]!["proxies"]!.AsArray().Select(p => (string?)p));
    }

    [Fact]
    public void Render_EveryInbound_MatchesGolden()
        => GoldenFiles.AssertMatches("mihomo.yaml", Encoding.UTF8.GetString(MihomoRenderer.Render(EveryInbound.Config, "none")));

    private static async Task<JsonNode> ProxyAsync(string inbound)
    {
        JsonNode doc = await CheckAsync(MihomoRenderer.Render(EveryInbound.Config, "none"));
        string tag = EveryInbound.Proxy(inbound).Tag;
        return doc["proxies"]!.AsArray().Single(p => (string?)p!["name"] == tag)!;
    }

    private static async Task<JsonNode> CheckAsync(byte[] yaml)
    {
        JsonNode result = JsonNode.Parse(await Python.RunAsync(CheckScript, Encoding.UTF8.GetString(yaml)))!;
        Assert.Empty(result["errors"]!.AsArray().Select(e => (string?)e));
        return result["doc"]!;
    }
}
