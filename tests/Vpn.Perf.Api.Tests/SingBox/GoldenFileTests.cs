using System.Buffers;
using System.Text;
using System.Text.Json;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Tests.SingBox;

/// <summary>
/// Full rendered configs compared with files under Golden/ (indented for review; the comparison keeps key order, so
/// an order change fails too). Set UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
/// </summary>
public sealed class GoldenFileTests
{
    [Fact]
    public void Render_SixInboundsOnDefaultTemplate_MatchesGolden()
        => AssertGolden("six-inbounds-default-template.json", ConfigRenderer.Render(ConfigRendererTests.SixInboundConfig(ConfigTemplate.Default)));

    [Fact]
    public void Render_Stub_MatchesGolden() => AssertGolden("stub.json", ConfigRenderer.RenderStub());

    [Fact]
    public void Render_CustomTemplateWithRuleSetsAndClashApi_MatchesGolden()
    {
        const string Template = """
            {
              "log": {"level": "info"},
              "dns": {
                "servers": [
                  {"type": "tls", "tag": "remote", "server": "9.9.9.9", "detour": "proxy"},
                  {"type": "udp", "tag": "bootstrap", "server": "1.1.1.1"},
                  {"type": "https", "tag": "doh", "server": "dns.example.net", "domain_resolver": "bootstrap", "detour": "proxy"}
                ],
                "rules": [{"rule_set": "ads", "action": "reject"}],
                "final": "remote"
              },
              "inbounds": [{"type": "tun", "tag": "tun-in", "address": ["172.19.0.1/30"], "auto_route": true, "route_exclude_address_set": ["lan"]}],
              "outbounds": [{"type": "direct", "tag": "direct"}, {"type": "block", "tag": "deny"}],
              "route": {
                "rule_set": [
                  {"type": "inline", "tag": "lan", "rules": [{"ip_cidr": ["192.168.0.0/16"]}]},
                  {"type": "remote", "tag": "ads", "format": "binary", "url": "https://example.net/ads.srs", "download_detour": "proxy"}
                ],
                "rules": [
                  {"inbound": "tun-in", "action": "sniff", "sniffer": ["tls", "quic", "http"]},
                  {"type": "logical", "mode": "or", "rules": [{"protocol": "dns"}, {"port": 53}], "action": "hijack-dns"},
                  {"rule_set": "ads", "outbound": "deny"},
                  {"rule_set": "lan", "outbound": "direct"}
                ],
                "final": "proxy",
                "default_domain_resolver": {"server": "bootstrap"}
              },
              "experimental": {"cache_file": {"enabled": true, "store_rdrc": true}, "clash_api": {"external_controller": "127.0.0.1:9090"}}
            }
            """;
        ClientConfig config = ClientConfig.Build(ConfigTemplate.Create(Template, 5),
        [
            new ConfigInbound("se-sto-1", "vless-ws", ConfigRendererTests.Spec("vless", "ws", "tls", """{"path":"/ws","host_header":"cdn.example.com"}""")),
            new ConfigInbound("se-sto-1", "trojan-up", ConfigRendererTests.Spec("trojan", "httpupgrade", "tls", """{"path":"/up","host_header":"cdn.example.com"}""")),
        ], ConfigRendererTests.Secret);
        AssertGolden("custom-template.json", ConfigRenderer.Render(config));
    }

    private static void AssertGolden(string name, byte[] rendered)
    {
        using JsonDocument document = JsonDocument.Parse(rendered);
        Assert.Empty(SingBoxConfigChecker.Check(document.RootElement));
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = ConfigRenderer.WriterOptions.Encoder }))
        {
            document.RootElement.WriteTo(writer);
        }
        string actual = Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
        string path = Path.Combine(GoldenDirectory, name);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1") File.WriteAllText(path, actual);
        Assert.True(File.Exists(path), $"{path} is missing; run the test with UPDATE_GOLDEN=1 to create it.");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    private static string GoldenDirectory => Path.Combine(Path.GetDirectoryName(TestServers.SchemaDirectory)!, "..", "tests", "Vpn.Perf.Api.Tests", "SingBox", "Golden");
}
