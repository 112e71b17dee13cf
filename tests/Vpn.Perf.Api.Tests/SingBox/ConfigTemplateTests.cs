using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Tests.SingBox;

public sealed class ConfigTemplateTests
{
    [Fact]
    public void TryCreate_DefaultTemplate_IsValid()
    {
        Assert.True(ConfigTemplate.TryCreate(DefaultConfigTemplate.Json, 1, "body", out ConfigTemplate? template, out var errors), string.Join("; ", errors.Keys));
        Assert.Equal(["direct"], template.OutboundTags);
    }

    [Theory]
    [InlineData("[]", "body")]
    [InlineData("{", "body")]
    [InlineData("""{"log":{},"xray":{}}""", "body.xray")]
    [InlineData("""{"dns":{"servers":[{"tag":"g","address":"tls://8.8.8.8"}]},"route":{"default_domain_resolver":"g"}}""", "body.dns.servers[0]")]
    [InlineData("""{"dns":{"servers":[{"type":"https","tag":"g","server":"dns.google"}]},"route":{"default_domain_resolver":"g"}}""", "body.dns.servers[0].server")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}],"fakeip":{"enabled":true}},"route":{"default_domain_resolver":"l"}}""", "body.dns.fakeip")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}],"rules":[{"outbound":"any","server":"l"}]},"route":{"default_domain_resolver":"l"}}""", "body.dns.rules[0].outbound")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"route":{}}""", "body.route.default_domain_resolver")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"route":{"default_domain_resolver":"nope"}}""", "body.route.default_domain_resolver")]
    [InlineData("""{"route":{"default_domain_resolver":"l"}}""", "body.dns")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"route":{"default_domain_resolver":"l","final":"missing"}}""", "body.route.final")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"outbounds":[{"type":"dns","tag":"dns-out"}],"route":{"default_domain_resolver":"l"}}""", "body.outbounds[0].type")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"outbounds":[{"type":"wireguard","tag":"wg"}],"route":{"default_domain_resolver":"l"}}""", "body.outbounds[0].type")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"outbounds":[{"type":"direct","tag":"proxy"}],"route":{"default_domain_resolver":"l"}}""", "body.outbounds[0].tag")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"outbounds":[{"type":"direct","tag":"d","override_address":"1.1.1.1"}],"route":{"default_domain_resolver":"l"}}""", "body.outbounds[0].override_address")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"outbounds":[{"type":"direct","tag":"d","domain_strategy":"ipv4_only"}],"route":{"default_domain_resolver":"l"}}""", "body.outbounds[0].domain_strategy")]
    [InlineData("""{"dns":{"servers":[{"type":"udp","tag":"u","server":"1.1.1.1","detour":"d"},{"type":"local","tag":"l"}]},"outbounds":[{"type":"direct","tag":"d"}],"route":{"default_domain_resolver":"l"}}""", "body.dns.servers[0].detour")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"inbounds":[{"type":"tun","tag":"t","inet4_address":"172.19.0.1/30"}],"route":{"default_domain_resolver":"l"}}""", "body.inbounds[0].inet4_address")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"inbounds":[{"type":"tun","tag":"t","gso":true}],"route":{"default_domain_resolver":"l"}}""", "body.inbounds[0].gso")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"inbounds":[{"type":"mixed","tag":"m","sniff":true}],"route":{"default_domain_resolver":"l"}}""", "body.inbounds[0].sniff")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"route":{"default_domain_resolver":"l","rules":[{"geosite":"cn","outbound":"proxy"}]}}""", "body.route.rules[0].geosite")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"route":{"default_domain_resolver":"l","rules":[{"inbound":"nope","action":"sniff"}]}}""", "body.route.rules[0].inbound")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"route":{"default_domain_resolver":"l","rules":[{"rule_set":["x"],"outbound":"proxy"}]}}""", "body.route.rules[0].rule_set[0]")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"route":{"default_domain_resolver":"l","rules":[{"ip_is_private":true}]}}""", "body.route.rules[0].outbound")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"route":{"default_domain_resolver":"l","rules":[{"action":"bypass"}]}}""", "body.route.rules[0].action")]
    [InlineData("""{"dns":{"servers":[{"type":"local","tag":"l"}]},"route":{"default_domain_resolver":"l"},"experimental":{"clash_api":{"store_selected":true}}}""", "body.experimental.clash_api.store_selected")]
    public void TryCreate_RefusedTemplate_ReportsThePath(string json, string path)
    {
        Assert.False(ConfigTemplate.TryCreate(json, 1, "body", out ConfigTemplate? template, out var errors));
        Assert.Null(template);
        Assert.True(errors.ContainsKey(path), $"expected an error at {path}, got: " + string.Join("; ", errors.Select(e => e.Key + ": " + string.Join(" ", e.Value))));
    }

    [Fact]
    public void TryCreate_ReferencesToRendererTags_AreAccepted()
    {
        const string Json = """
            {"dns":{"servers":[{"type":"tls","tag":"r","server":"9.9.9.9","detour":"auto"},{"type":"local","tag":"l"}],"rules":[{"domain_suffix":".lan","server":"l"}],"final":"r"},
             "outbounds":[{"type":"selector","tag":"pick","outbounds":["proxy","auto","direct"]},{"type":"direct","tag":"direct"}],
             "route":{"rules":[{"type":"logical","mode":"or","rules":[{"port":53},{"protocol":"dns"}],"action":"hijack-dns"}],"final":"pick","default_domain_resolver":{"server":"l"}}}
            """;
        Assert.True(ConfigTemplate.TryCreate(Json, 1, "body", out _, out var errors), string.Join("; ", errors.Keys));
    }
}
