using System.Text.Json;

namespace Vpn.Perf.Api.Tests.SingBox;

/// <summary>The checker is the stand-in for a sing-box binary, so it is itself checked: it must catch what 1.12 or 1.13 refuse.</summary>
public sealed class SingBoxConfigCheckerTests
{
    [Theory]
    [InlineData("""{"dns":{"servers":[{"tag":"g","address":"tls://8.8.8.8"}]},"route":{"default_domain_resolver":"g"}}""", "$.dns.servers[0]")]
    [InlineData("""{"outbounds":[{"type":"dns","tag":"dns-out"}]}""", "$.outbounds[0]")]
    [InlineData("""{"outbounds":[{"type":"wireguard","tag":"wg"}]}""", "$.outbounds[0]")]
    [InlineData("""{"endpoints":[{"type":"wireguard","tag":"wg","address":["10.0.0.2/32"],"private_key":"short","peers":[{"address":"a","port":1,"public_key":"B7jFQkh2hqeDAYVfy20/aoqRHNfxmDqbRNydzSKDnSM="}]}]}""", "$.endpoints[0].private_key")]
    [InlineData("""{"endpoints":[{"type":"wireguard","tag":"wg","address":["10.0.0.2/32"],"private_key":"B7jFQkh2hqeDAYVfy20/aoqRHNfxmDqbRNydzSKDnSM="}]}""", "$.endpoints[0].peers")]
    [InlineData("""{"endpoints":[{"type":"wireguard","tag":"wg","local_address":["10.0.0.2/32"],"private_key":"B7jFQkh2hqeDAYVfy20/aoqRHNfxmDqbRNydzSKDnSM=","peers":[{"address":"a","port":1,"public_key":"B7jFQkh2hqeDAYVfy20/aoqRHNfxmDqbRNydzSKDnSM="}]}]}""", "$.endpoints[0]")]
    [InlineData("""{"endpoints":[{"type":"wireguard","tag":"wg","address":["10.0.0.2/32"],"private_key":"B7jFQkh2hqeDAYVfy20/aoqRHNfxmDqbRNydzSKDnSM=","peers":[{"server":"a","port":1,"public_key":"B7jFQkh2hqeDAYVfy20/aoqRHNfxmDqbRNydzSKDnSM="}]}]}""", "$.endpoints[0].peers[0]")]
    [InlineData("""{"outbounds":[{"type":"vless","tag":"v","server":"a","server_port":1,"uuid":"3b241101-e2bb-4255-8caf-4136c566a962","tls":{"enabled":true,"fingerprint":"chrome"}}]}""", "$.outbounds[0].tls.fingerprint")]
    [InlineData("""{"outbounds":[{"type":"vless","tag":"v","server":"a","server_port":1,"uuid":"3b241101-e2bb-4255-8caf-4136c566a962","tls":{"enabled":true,"reality":{"enabled":true,"public_key":"jNXHt1yRo0vDuchQlIP6Z0ZvjT3KtzVI-T4E7RoLJS0"}}}]}""", "$.outbounds[0].tls.reality")]
    [InlineData("""{"outbounds":[{"type":"vless","tag":"v","server":"a","server_port":1,"uuid":"3b241101-e2bb-4255-8caf-4136c566a962","transport":{"type":"ws","host":"x"}}]}""", "$.outbounds[0].transport.host")]
    [InlineData("""{"outbounds":[{"type":"vless","tag":"v","server":"a","server_port":1,"uuid":"3b241101-e2bb-4255-8caf-4136c566a962","transport":{"type":"xhttp"}}]}""", "$.outbounds[0].transport.type")]
    [InlineData("""{"outbounds":[{"type":"vless","tag":"v","server":"a","server_port":"443","uuid":"3b241101-e2bb-4255-8caf-4136c566a962"}]}""", "$.outbounds[0].server_port")]
    [InlineData("""{"outbounds":[{"type":"direct","tag":"d","bind_address_no_port":true}]}""", "$.outbounds[0].bind_address_no_port")]
    [InlineData("""{"outbounds":[{"type":"direct","tag":"d","domain_strategy":"ipv4_only"}]}""", "$.outbounds[0].domain_strategy")]
    [InlineData("""{"outbounds":[{"type":"selector","tag":"s","outbounds":["missing"]}]}""", "$.outbounds[0].outbounds[0]")]
    [InlineData("""{"outbounds":[{"type":"hysteria2","tag":"h","server":"a","server_port":1,"password":"p"}]}""", "$.outbounds[0].tls")]
    [InlineData("""{"outbounds":[{"type":"shadowsocks","tag":"s","server":"a","server_port":1,"method":"2022-blake3-chacha20-poly1305","password":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}]}""", "$.outbounds[0].password")]
    [InlineData("""{"inbounds":[{"type":"tun","tag":"t","inet4_address":"172.19.0.1/30"}]}""", "$.inbounds[0].inet4_address")]
    [InlineData("""{"inbounds":[{"type":"mixed","tag":"m","sniff":true}]}""", "$.inbounds[0].sniff")]
    [InlineData("""{"route":{"final":"nope"}}""", "$.route")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"route":{"final":"nope","default_domain_resolver":"l"}}""", "$.route.final")]
    public void Check_DocumentSingBoxRefuses_ReportsIt(string json, string path)
    {
        IReadOnlyList<string> problems = SingBoxConfigChecker.Check(JsonDocument.Parse(json).RootElement);
        Assert.True(problems.Any(p => p.StartsWith(path, StringComparison.Ordinal)), $"expected a problem at {path}, got: " + string.Join(" | ", problems));
    }
}
