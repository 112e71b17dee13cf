using System.Text;
using System.Text.Json;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Tests.SingBox;

public sealed class ConfigRendererTests
{
    internal const string Secret = "3b241101-e2bb-4255-8caf-4136c566a962";

    /// <summary>Every protocol, and for the TCP protocols every TLS mode and transport.</summary>
    public static TheoryData<string, string, string, string> Variants => new()
    {
        { "vless", "tcp", "reality", $$"""{"flow":"xtls-rprx-vision","server_name":"www.example.com","reality_public_key":"{{InboundSpecTests.RealityKey}}","reality_short_id":"0123456789abcdef"}""" },
        { "vless", "tcp", "tls", """{"flow":"xtls-rprx-vision","server_name":"a.example.com","alpn":["h2","http/1.1"],"utls_fingerprint":"firefox"}""" },
        { "vless", "tcp", "none", "{}" },
        { "vless", "ws", "tls", """{"path":"/ws","host_header":"cdn.example.com","max_early_data":2048}""" },
        { "vless", "grpc", "reality", $$"""{"service_name":"grpc","server_name":"www.example.com","reality_public_key":"{{InboundSpecTests.RealityKey}}"}""" },
        { "vless", "http", "tls", """{"host_header":["a.example.com","b.example.com"],"path":"/h2"}""" },
        { "vless", "httpupgrade", "none", """{"host_header":"a.example.com","path":"/up"}""" },
        { "vless", "quic", "tls", """{"server_name":"q.example.com"}""" },
        { "vmess", "tcp", "none", """{"security":"aes-128-gcm"}""" },
        { "vmess", "ws", "none", """{"path":"/vm"}""" },
        { "vmess", "grpc", "tls", """{"service_name":"vm","insecure":true}""" },
        { "vmess", "http", "none", """{"path":"/h"}""" },
        { "vmess", "httpupgrade", "tls", """{"security":"chacha20-poly1305","path":"/up","host_header":"a.example.com"}""" },
        { "vmess", "quic", "tls", "{}" },
        { "trojan", "tcp", "tls", """{"server_name":"t.example.com"}""" },
        { "trojan", "tcp", "reality", $$"""{"server_name":"www.example.com","reality_public_key":"{{InboundSpecTests.RealityKey}}","utls_fingerprint":"safari"}""" },
        { "trojan", "ws", "tls", """{"path":"/tr","host_header":"cdn.example.com"}""" },
        { "trojan", "grpc", "tls", """{"service_name":"tr"}""" },
        { "trojan", "http", "reality", $$"""{"server_name":"www.example.com","reality_public_key":"{{InboundSpecTests.RealityKey}}"}""" },
        { "trojan", "httpupgrade", "tls", "{}" },
        { "trojan", "quic", "tls", """{"alpn":"h3"}""" },
        { "shadowsocks", "tcp", "none", """{"method":"chacha20-ietf-poly1305"}""" },
        { "shadowsocks", "tcp", "none", """{"method":"aes-256-gcm"}""" },
        { "shadowsocks", "tcp", "none", $$"""{"method":"2022-blake3-aes-128-gcm","server_psk":"{{InboundSpecTests.Psk16}}"}""" },
        { "shadowsocks", "tcp", "none", $$"""{"method":"2022-blake3-aes-256-gcm","server_psk":"{{InboundSpecTests.Psk32}}"}""" },
        { "hysteria2", "udp", "tls", """{"obfs":"salamander","obfs_password":"o","up_mbps":50,"down_mbps":200,"alpn":"h3"}""" },
        { "hysteria2", "udp", "tls", """{"server_name":"hy.example.com","insecure":true}""" },
        { "tuic", "udp", "tls", """{"congestion_control":"bbr","udp_relay_mode":"quic","zero_rtt_handshake":true,"alpn":["h3"]}""" },
        { "tuic", "udp", "tls", "{}" },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Render_EachProtocolAndVariant_IsAcceptedByBothVersionsAndComplete(string protocol, string network, string tls, string settings)
    {
        InboundSpec spec = Spec(protocol, network, tls, settings);
        JsonElement root = RenderJson(ClientConfig.Build(ConfigTemplate.Default, [new ConfigInbound("nl-1", "in", spec)], Secret));

        Assert.Empty(SingBoxConfigChecker.Check(root));
        JsonElement[] outbounds = [.. root.GetProperty("outbounds").EnumerateArray()];
        Assert.Equal(["proxy", "auto", "nl-1-in", "direct"], outbounds.Select(o => o.GetProperty("tag").GetString()));
        Assert.Equal(["auto", "nl-1-in"], outbounds[0].GetProperty("outbounds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("auto", outbounds[0].GetProperty("default").GetString());
        Assert.Equal(["nl-1-in"], outbounds[1].GetProperty("outbounds").EnumerateArray().Select(e => e.GetString()));

        JsonElement o = outbounds[2];
        Assert.Equal(protocol, o.GetProperty("type").GetString());
        Assert.Equal("node1.example.com", o.GetProperty("server").GetString());
        Assert.Equal(443, o.GetProperty("server_port").GetInt32());
        switch (protocol)
        {
            case "vless" or "vmess":
                Assert.Equal(Secret, o.GetProperty("uuid").GetString());
                break;
            case "tuic":
                Assert.Equal(Secret, o.GetProperty("uuid").GetString());
                Assert.Equal(Secret, o.GetProperty("password").GetString());
                break;
            case "trojan" or "hysteria2":
                Assert.Equal(Secret, o.GetProperty("password").GetString());
                break;
            case "shadowsocks":
                Assert.False(string.IsNullOrEmpty(o.GetProperty("method").GetString()));
                Assert.False(string.IsNullOrEmpty(o.GetProperty("password").GetString()));
                break;
        }
        Assert.Equal(tls != "none", o.TryGetProperty("tls", out JsonElement t));
        if (tls != "none") Assert.True(t.GetProperty("enabled").GetBoolean());
        if (tls == "reality")
        {
            Assert.True(t.GetProperty("utls").GetProperty("enabled").GetBoolean());
            Assert.Equal(InboundSpecTests.RealityKey, t.GetProperty("reality").GetProperty("public_key").GetString());
        }
        bool hasTransport = network is not ("tcp" or "udp");
        Assert.Equal(hasTransport, o.TryGetProperty("transport", out JsonElement transport));
        if (hasTransport) Assert.Equal(network, transport.GetProperty("type").GetString());
    }

    [Fact]
    public void Render_Shadowsocks2022_PasswordIsServerPskThenUserKeyExceptChacha20()
    {
        string Password(string method, string psk)
        {
            JsonElement root = RenderJson(ClientConfig.Build(ConfigTemplate.Default,
                [new ConfigInbound("n", "ss", Spec("shadowsocks", "tcp", "none", $$"""{"method":"{{method}}","server_psk":"{{psk}}"}"""))], Secret));
            return root.GetProperty("outbounds")[2].GetProperty("password").GetString()!;
        }

        Assert.Equal(InboundSpecTests.Psk16 + ":" + SubscriptionCredentials.Shadowsocks2022UserKey("2022-blake3-aes-128-gcm", Secret),
            Password("2022-blake3-aes-128-gcm", InboundSpecTests.Psk16));
        Assert.Equal(InboundSpecTests.Psk32 + ":" + SubscriptionCredentials.Shadowsocks2022UserKey("2022-blake3-aes-256-gcm", Secret),
            Password("2022-blake3-aes-256-gcm", InboundSpecTests.Psk32));
    }

    [Fact]
    public void Render_WsHostHeader_GoesIntoHeadersNotAHostKey()
    {
        JsonElement root = RenderJson(ClientConfig.Build(ConfigTemplate.Default,
            [new ConfigInbound("n", "ws", Spec("vless", "ws", "tls", """{"path":"/p","host_header":"cdn.example.com","max_early_data":2048}"""))], Secret));
        JsonElement transport = root.GetProperty("outbounds")[2].GetProperty("transport");
        Assert.False(transport.TryGetProperty("host", out _));
        Assert.Equal("cdn.example.com", transport.GetProperty("headers").GetProperty("Host").GetString());
        Assert.Equal("Sec-WebSocket-Protocol", transport.GetProperty("early_data_header_name").GetString());
    }

    [Fact]
    public void Build_CollidingTags_AreMadeUniqueAndStillResolve()
    {
        InboundSpec spec = Spec("trojan", "tcp", "tls", "{}");
        ClientConfig config = ClientConfig.Build(ConfigTemplate.Default,
            [new ConfigInbound("a-b", "c", spec), new ConfigInbound("a", "b-c", spec), new ConfigInbound("a", "b-c", spec)], Secret);
        Assert.Equal(["a-b-c", "a-b-c-2", "a-b-c-3"], config.Proxies.Select(p => p.Tag));
        Assert.Empty(SingBoxConfigChecker.Check(RenderJson(config)));
    }

    [Fact]
    public void Build_SecretIsNoUuid_LeavesOutUuidProtocolsOnly()
    {
        var skipped = new List<string>();
        ClientConfig config = ClientConfig.Build(ConfigTemplate.Default,
            [new ConfigInbound("n", "vless", Spec("vless", "tcp", "tls", "{}")), new ConfigInbound("n", "trojan", Spec("trojan", "tcp", "tls", "{}"))],
            "not-a-uuid", i => skipped.Add(i.Tag));
        Assert.Equal(["vless"], skipped);
        Assert.Equal(["n-trojan"], config.Proxies.Select(p => p.Tag));
    }

    [Fact]
    public void Render_NoInbounds_IsTheStubThatConnectsNowhere()
    {
        byte[] body = ConfigRenderer.Render(ClientConfig.Build(ConfigTemplate.Default, [], Secret));
        Assert.Equal(ConfigRenderer.RenderStub(), body);
        JsonElement root = JsonDocument.Parse(body).RootElement;
        Assert.Empty(SingBoxConfigChecker.Check(root));
        JsonElement[] outbounds = [.. root.GetProperty("outbounds").EnumerateArray()];
        Assert.Equal("block", Assert.Single(outbounds).GetProperty("type").GetString());
        Assert.Equal("block", root.GetProperty("route").GetProperty("final").GetString());
        Assert.False(root.TryGetProperty("inbounds", out _));
    }

    [Fact]
    public void Render_SameInputTwice_GivesTheSameBytes()
    {
        ClientConfig config = SixInboundConfig(ConfigTemplate.Default);
        Assert.Equal(ConfigRenderer.Render(config), ConfigRenderer.Render(config));
        Assert.Equal(ConfigRenderer.Render(config), ConfigRenderer.Render(SixInboundConfig(ConfigTemplate.Create(DefaultConfigTemplate.Json, 0))));
    }

    [Fact]
    public void Render_TemplateKeysInAnyOrder_ComeOutInTheFixedOrder()
    {
        const string Reordered = """
            {"experimental":{"cache_file":{"enabled":true}},"route":{"final":"proxy","default_domain_resolver":"local"},
             "outbounds":[{"tag":"direct","type":"direct"}],"dns":{"servers":[{"type":"local","tag":"local"}]},"log":{"level":"info"}}
            """;
        JsonElement root = RenderJson(SixInboundConfig(ConfigTemplate.Create(Reordered, 2)));
        Assert.Equal(["log", "dns", "outbounds", "route", "experimental"], root.EnumerateObject().Select(p => p.Name));
        Assert.Empty(SingBoxConfigChecker.Check(root));
        Assert.Equal("direct", root.GetProperty("outbounds").EnumerateArray().Last().GetProperty("tag").GetString());
    }

    internal static ClientConfig SixInboundConfig(ConfigTemplate template) => ClientConfig.Build(template,
    [
        new ConfigInbound("nl-ams-1", "vless-reality", Spec("vless", "tcp", "reality",
            $$"""{"flow":"xtls-rprx-vision","server_name":"www.example.com","reality_public_key":"{{InboundSpecTests.RealityKey}}","reality_short_id":"0123456789abcdef"}""")),
        new ConfigInbound("nl-ams-1", "vmess-ws", Spec("vmess", "ws", "tls", """{"path":"/vm","host_header":"cdn.example.com","max_early_data":2048,"server_name":"cdn.example.com"}""")),
        new ConfigInbound("de-fra-1", "trojan-grpc", Spec("trojan", "grpc", "tls", """{"service_name":"tr","server_name":"fra.example.com","alpn":["h2"],"utls_fingerprint":"chrome"}""")),
        new ConfigInbound("de-fra-1", "ss2022", Spec("shadowsocks", "tcp", "none", $$"""{"method":"2022-blake3-aes-128-gcm","server_psk":"{{InboundSpecTests.Psk16}}"}""")),
        new ConfigInbound("fi-hel-1", "hy2", Spec("hysteria2", "udp", "tls", """{"server_name":"hel.example.com","obfs":"salamander","obfs_password":"salad","up_mbps":50,"down_mbps":200}""")),
        new ConfigInbound("fi-hel-1", "tuic", Spec("tuic", "udp", "tls", """{"server_name":"hel.example.com","congestion_control":"bbr","alpn":["h3"]}""")),
    ], Secret);

    internal static InboundSpec Spec(string protocol, string network, string tls, string settings)
    {
        Assert.True(InboundSpec.TryParse(protocol, "node1.example.com", 443, network, tls, settings, out InboundSpec? spec, out var errors),
            string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));
        return spec;
    }

    internal static JsonElement RenderJson(ClientConfig config)
    {
        byte[] body = ConfigRenderer.Render(config);
        return JsonDocument.Parse(Encoding.UTF8.GetString(body)).RootElement.Clone();
    }
}
