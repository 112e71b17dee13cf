using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Features.Configs;

/// <summary>One config URL, every client format: named by the URL, else chosen by User-Agent (docs/config-rendering.md).</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class ConfigFormatTests
{
    [Theory]
    [InlineData("singbox", "application/json", ".json")]
    [InlineData("mihomo", "text/yaml", ".yaml")]
    [InlineData("xray", "application/json", ".json")]
    [InlineData("links", "text/plain", ".txt")]
    [InlineData("links-plain", "text/plain", ".txt")]
    public async Task GetConfig_FormatNamedInQueryOrPath_AnswersThatFormatWithItsOwnETag(string format, string mediaType, string extension)
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_FormatNamedInQueryOrPath_AnswersThatFormatWithItsOwnETag) + "_" + format);
        Fixture f = await OneSubscriptionAsync(api);
        (HttpClient client, string path) = (f.Client, f.Path);

        HttpResponseMessage byQuery = await client.GetAsync(path + "?format=" + format);
        HttpResponseMessage byPath = await client.GetAsync(path + "/" + format.ToUpperInvariant());
        string body = await byQuery.Content.ReadAsStringAsync();
        Assert.True(byQuery.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(HttpStatusCode.OK, byPath.StatusCode);
        Assert.Equal(body, await byPath.Content.ReadAsStringAsync());
        Assert.Equal(mediaType, byQuery.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(extension + "\"", byQuery.Content.Headers.ContentDisposition!.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("User-Agent", byQuery.Headers.Vary);
        Assert.Contains(f.Secret, Decoded(format, body), StringComparison.Ordinal);

        EntityTagHeaderValue etag = byQuery.Headers.ETag!;
        var again = new HttpRequestMessage(HttpMethod.Get, path + "?format=" + format);
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
        if (format != "singbox")
        {
            Assert.NotEqual(etag, (await client.GetAsync(path + "?format=singbox")).Headers.ETag);
        }
    }

    [Theory]
    [InlineData("SFA/1.12.1 (Android 14)", "singbox")]
    [InlineData("HiddifyNext/2.5.7 (android) like ClashMeta v2ray sing-box", "singbox")]
    [InlineData("clash-verge/v2.0.3", "mihomo")]
    [InlineData("FlClash/v0.8.80 clash-verge", "mihomo")]
    [InlineData("Stash/2.6.0 Clash/1.9.0", "mihomo")]
    [InlineData("v2rayNG/1.9.30", "xray")]
    [InlineData("v2rayN/7.4.2", "xray")]
    [InlineData("Streisand", "links")]
    [InlineData("Happ/1.0", "links")]
    [InlineData("", "links")]
    public async Task GetConfig_NoFormatNamed_UserAgentRulesChooseAndVaryOnIt(string userAgent, string expected)
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_NoFormatNamed_UserAgentRulesChooseAndVaryOnIt) + "_" + expected + userAgent.Length);
        (HttpClient client, string path, _, _, _) = await OneSubscriptionAsync(api);
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.UserAgent.Clear();
        if (userAgent.Length > 0) request.Headers.TryAddWithoutValidation("User-Agent", userAgent);

        HttpResponseMessage r = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Contains("User-Agent", r.Headers.Vary);
        Assert.Equal(await (await client.GetAsync(path + "?format=" + expected)).Content.ReadAsStringAsync(), await r.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("?format=pdf")]
    [InlineData("/pdf")]
    public async Task GetConfig_UnknownFormat_Is400WhateverTheToken(string suffix)
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_UnknownFormat_Is400WhateverTheToken) + suffix.Length);
        (HttpClient client, string path, _, _, _) = await OneSubscriptionAsync(api);
        foreach (string url in new[] { path + suffix, "/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" + suffix })
        {
            JsonElement problem = await ProblemAssert.IsAsync(await client.GetAsync(url), HttpStatusCode.BadRequest, "validation");
            Assert.Contains("mihomo", problem.GetProperty("errors").GetProperty("format")[0].GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GetConfig_OverLimit_EachFormatIsItsStubNamedForTheReason()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_OverLimit_EachFormatIsItsStubNamedForTheReason));
        (HttpClient client, string path, Guid sid, ConfigSeed seed, string secret) = await OneSubscriptionAsync(api);
        await seed.ExecAsync("update subscriptions set is_over_limit = true where id = $1", sid);
        await ConfigEndpointTests.EventuallyAsync(async () => !(await client.GetStringAsync(path + "?format=links-plain")).Contains(secret, StringComparison.Ordinal),
            "the stub is served");

        Assert.Contains("#Traffic%20limit%20reached", await client.GetStringAsync(path + "?format=links-plain"), StringComparison.Ordinal);
        Assert.Contains("name: \"Traffic limit reached\"", await client.GetStringAsync(path + "?format=mihomo"), StringComparison.Ordinal);
        Assert.Contains("\"remarks\":\"Traffic limit reached\"", await client.GetStringAsync(path + "?format=xray"), StringComparison.Ordinal);
        Assert.Contains("#Traffic%20limit%20reached", Decoded("links", await client.GetStringAsync(path + "?format=links")), StringComparison.Ordinal);
        Assert.StartsWith("# Traffic limit reached\n[Interface]\n", await client.GetStringAsync(path + "?format=wireguard"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetConfig_OperatorLinksConfigured_AreSentInEveryFormat()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_OperatorLinksConfigured_AreSentInEveryFormat), new Dictionary<string, string?>
        {
            ["Configs:ProfileWebPageUrl"] = "https://vpn.example.com/account",
            ["Configs:SupportUrl"] = "https://t.me/example_support",
        });
        (HttpClient client, string path, _, _, _) = await OneSubscriptionAsync(api);
        foreach (string format in ConfigFormats.Names)
        {
            HttpResponseMessage r = await client.GetAsync(path + "/" + format);
            Assert.Equal("https://vpn.example.com/account", Assert.Single(r.Headers.GetValues("profile-web-page-url")));
            Assert.Equal("https://t.me/example_support", Assert.Single(r.Headers.GetValues("support-url")));
        }
    }

    private static string Decoded(string format, string body) => format == "links" ? Encoding.UTF8.GetString(Convert.FromBase64String(body)) : body;

    private static async Task<Fixture> OneSubscriptionAsync(ApiFactory api)
    {
        NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid sid = await ConfigEndpointTests.OneInboundSubscriptionAsync(seed);
        await ConfigEndpointTests.WaitListeningAsync(api.Services);
        string secret = await seed.ScalarAsync<string>("select secret from subscriptions where id = $1", sid);
        return new Fixture(api.CreateClient(), await ConfigEndpointTests.PathOfAsync(api.Services, seed, sid), sid, seed, secret);
    }

    private sealed record Fixture(HttpClient Client, string Path, Guid Sid, ConfigSeed Seed, string Secret);
}
