using System.Text;
using System.Text.Json;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.ShareLinks;
using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Api.Tests.SingBox;
using Vpn.Perf.Api.WgQuick;

namespace Vpn.Perf.Api.Tests.ClientFormats;

/// <summary>WireGuard in the wg-quick and sing-box formats (mihomo and Xray: their own test classes), golden and parsed by others' code.</summary>
public sealed class WireGuardRendererTests
{
    [Fact]
    public async Task Render_WgQuick_IsTheFirstTunnelAndParsesWithItsKey()
    {
        string conf = Encoding.UTF8.GetString(WgQuickRenderer.Render(WireGuardInbounds.Config, "none"));
        GoldenFiles.AssertMatches("wireguard.conf", conf);

        WgQuickChecker.Parsed parsed = await WgQuickChecker.CheckAsync(conf);
        Assert.Equal(WireGuardInbounds.Config.Proxies[0].Tag, parsed.Comments[0]);
        Assert.Equal(["Interface", "Peer"], parsed.Sections.Select(s => s.Name));
        Assert.Equal(WireGuardInbounds.PeerPublicKey, parsed.DerivedPublicKey);
        Assert.Equal("10.66.0.7/32, fd42:66::7/128", parsed.Interface["Address"]);
        Assert.Equal("1.1.1.1, 2606:4700:4700::1111", parsed.Interface["DNS"]);
        Assert.Equal("1420", parsed.Interface["MTU"]);
        Assert.Equal(WireGuardInbounds.NodeKey, parsed.Peer["PublicKey"]);
        Assert.Equal(WireGuardInbounds.Psk, parsed.Peer["PresharedKey"]);
        Assert.Equal("0.0.0.0/0, ::/0", parsed.Peer["AllowedIPs"]);
        Assert.Equal("wg.example.com:51820", parsed.Peer["Endpoint"]);
        Assert.Equal("25", parsed.Peer["PersistentKeepalive"]);
    }

    [Fact]
    public async Task Render_WgQuickIpv6Server_BracketsTheEndpoint()
    {
        ClientConfig second = ClientConfig.Build(ConfigTemplate.Default,
            [new ConfigInbound("v6-1", "wg6", WireGuardInbounds.Spec(WireGuardInbounds.Ipv6OnlySettings, "2001:db8::51"), new WireGuardPeer(WireGuardInbounds.SecondPeerKey, null, 2))],
            ConfigRendererTests.Secret);
        WgQuickChecker.Parsed parsed = await WgQuickChecker.CheckAsync(Encoding.UTF8.GetString(WgQuickRenderer.Render(second, "none")));
        Assert.Equal("[2001:db8::51]:51820", parsed.Peer["Endpoint"]);
        Assert.Equal("fd42:77::2/128", parsed.Interface["Address"]);
        Assert.False(parsed.Peer.ContainsKey("PresharedKey"));
        Assert.False(parsed.Interface.ContainsKey("DNS"));
    }

    [Theory]
    [InlineData(ConfigFormats.OverLimitReason)]
    [InlineData("Device limit reached")]
    [InlineData("Line\nbreak")]
    public async Task RenderStub_WgQuick_IsATunnelToNowhereNamedForTheReason(string reason)
    {
        WgQuickChecker.Parsed parsed = await WgQuickChecker.CheckAsync(Encoding.UTF8.GetString(ConfigFormats.RenderStub(ConfigFormat.WireGuard, reason)));
        Assert.Equal(reason.Replace('\n', ' '), parsed.Comments[0]);
        Assert.Equal("192.0.2.1:51820", parsed.Peer["Endpoint"]); // TEST-NET-1: routed nowhere
    }

    [Fact]
    public async Task Render_WgQuickWithoutWireGuardPeer_IsTheStubNamedNoServer()
    {
        Assert.Single(WireGuardInbounds.WithoutPeers.Proxies); // the WireGuard inbound without a peer is left out
        WgQuickChecker.Parsed parsed = await WgQuickChecker.CheckAsync(Encoding.UTF8.GetString(ConfigFormats.Render(ConfigFormat.WireGuard, WireGuardInbounds.WithoutPeers)));
        Assert.Equal(ConfigFormats.NoServerReason, parsed.Comments[0]);
    }

    [Fact]
    public void Render_SingBox_WireGuardIsAnEndpointTheGroupsName()
    {
        byte[] body = ConfigRenderer.Render(WireGuardInbounds.Config);
        GoldenFiles.AssertMatches("singbox-wireguard.json", Encoding.UTF8.GetString(body));
        using JsonDocument doc = JsonDocument.Parse(body);
        JsonElement root = doc.RootElement;
        Assert.Empty(SingBoxConfigChecker.Check(root));

        JsonElement[] endpoints = [.. root.GetProperty("endpoints").EnumerateArray()];
        Assert.Equal(2, endpoints.Length);
        Assert.All(endpoints, e => Assert.Equal("wireguard", e.GetProperty("type").GetString()));
        Assert.DoesNotContain(root.GetProperty("outbounds").EnumerateArray(), o => o.GetProperty("type").GetString() == "wireguard");
        JsonElement first = endpoints[0];
        Assert.Equal(["10.66.0.7/32", "fd42:66::7/128"], first.GetProperty("address").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(WireGuardInbounds.PeerKey, first.GetProperty("private_key").GetString());
        JsonElement peer = first.GetProperty("peers")[0];
        Assert.Equal("wg.example.com", peer.GetProperty("address").GetString());
        Assert.Equal(51820, peer.GetProperty("port").GetInt32());
        Assert.Equal(WireGuardInbounds.Psk, peer.GetProperty("pre_shared_key").GetString());
        Assert.Equal(25, peer.GetProperty("persistent_keepalive_interval").GetInt32());
        Assert.False(endpoints[1].GetProperty("peers")[0].TryGetProperty("pre_shared_key", out _));

        string[] members = [.. root.GetProperty("outbounds")[0].GetProperty("outbounds").EnumerateArray().Select(m => m.GetString()!)];
        Assert.Equal(["auto", .. WireGuardInbounds.Config.Proxies.Select(p => p.Tag)], members);
    }

    [Fact]
    public void Render_SingBoxTemplateWithEndpoints_KeepsThemAfterTheWireGuardOnes()
    {
        string json = DefaultConfigTemplate.Json.TrimEnd().TrimEnd('}')
            + $$""","endpoints":[{"type":"wireguard","tag":"office","address":["10.9.0.2/32"],"private_key":"{{WireGuardInbounds.PeerKey}}","peers":[{"address":"office.example.com","port":51820,"public_key":"{{WireGuardInbounds.NodeKey}}","allowed_ips":["10.9.0.0/24"]}]}]}""";
        ConfigTemplate template = ConfigTemplate.Create(json, 1);
        ClientConfig config = ClientConfig.Build(template,
            [new ConfigInbound("nl-1", "wg", WireGuardInbounds.Spec(WireGuardInbounds.DualStackSettings, "wg.example.com"), new WireGuardPeer(WireGuardInbounds.PeerKey, null, 2))],
            ConfigRendererTests.Secret);
        using JsonDocument doc = JsonDocument.Parse(ConfigRenderer.Render(config));
        Assert.Empty(SingBoxConfigChecker.Check(doc.RootElement));
        Assert.Equal(["nl-1-wg", "office"], doc.RootElement.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("tag").GetString()));
    }

    [Fact]
    public void Render_Links_LeaveWireGuardOut()
    {
        string[] lines = Encoding.UTF8.GetString(ShareLinkRenderer.RenderPlain(WireGuardInbounds.Config)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("vless://", Assert.Single(lines), StringComparison.Ordinal);
    }
}
