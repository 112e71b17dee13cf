using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Configs.Page;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.AdminTestKit;

namespace Vpn.Perf.Api.Tests.Features.Configs.Page;

/// <summary>The config URL's page for people (<see cref="SubscriptionPage"/>) as HTTP answers; the browser's view is <see cref="SubscriptionPageBrowserTests"/>.</summary>
public sealed class SubscriptionPageTests
{
    /// <summary>What the apps send (their own names; none sends <c>Accept: text/html</c>), and curl and no User-Agent at all.</summary>
    private static readonly string[] AppAgents =
    [
        "SFA/1.12.1 (560; sing-box 1.12.1)",
        "clash-verge/v2.2.3",
        "ClashMetaForAndroid/2.11.5.Meta",
        "v2rayNG/1.10.7",
        "HiddifyNext/2.5.7 (android) like ClashMeta v2ray sing-box",
        "Happ/3.6.0",
        "curl/8.5.0",
        "",
    ];

    [Fact]
    public async Task GetConfig_AppUserAgentsAcceptingAnything_NeverGetHtml()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(GetConfig_AppUserAgentsAcceptingAnything_NeverGetHtml));
        await using ApiFactory host = api;
        await using NpgsqlDataSource db = api.OpenDataSource();
        (_, string token) = await PageKit.SubscriptionAsync(app.Services, new ConfigSeed(db), "Plan", "");

        foreach (string userAgent in AppAgents)
        {
            foreach (string? accept in new[] { "*/*", null, "application/json, */*" })
            {
                HttpClient client = app.CreateClient();
                if (userAgent.Length > 0) client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
                if (accept is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("Accept", accept);
                HttpResponseMessage r = await client.GetAsync("/s/" + token);
                Assert.Equal(HttpStatusCode.OK, r.StatusCode);
                Assert.NotEqual("text/html", r.Content.Headers.ContentType?.MediaType);
                Assert.False(r.Headers.Contains("Content-Security-Policy"), $"'{userAgent}' with Accept {accept} got the page");
            }
        }
    }

    [Fact]
    public void IsBrowser_AppHeaders_AllocatesNothing()
    {
        IHeaderDictionary app = Headers("*/*", "v2rayNG/1.10.7");
        IHeaderDictionary browser = Headers(PageKit.BrowserAccept, PageKit.BrowserAgent);
        Assert.False(BrowserRequest.IsBrowser(app)); // warmed up: what runs below is the steady state
        Assert.True(BrowserRequest.IsBrowser(browser));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Assert.False(BrowserRequest.IsBrowser(app));
            Assert.True(BrowserRequest.IsBrowser(browser));
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void IsBrowser_HeaderCombinations_OnlyABrowserNavigationIsOne()
    {
        Assert.True(IsBrowser(PageKit.BrowserAccept, PageKit.BrowserAgent));
        Assert.True(IsBrowser("text/html", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 Version/18.0 Mobile/15E148 Safari/604.1"));
        Assert.False(IsBrowser("*/*", PageKit.BrowserAgent)); // a browser's fetch() or an app posing as one
        Assert.False(IsBrowser("text/html;q=0", PageKit.BrowserAgent));
        Assert.False(IsBrowser("text/html;q=0.000", PageKit.BrowserAgent));
        Assert.True(IsBrowser("application/json, text/html;q=0.1", PageKit.BrowserAgent));
        Assert.False(IsBrowser(PageKit.BrowserAccept, "v2rayNG/1.10.7"));
        Assert.False(IsBrowser(PageKit.BrowserAccept, "curl/8.5.0"));
        Assert.False(IsBrowser(PageKit.BrowserAccept, null));
        Assert.False(IsBrowser(null, PageKit.BrowserAgent));
    }

    [Fact]
    public async Task GetConfig_Browser_AnswersThePageWithStrictPolicyAndNoCaching()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(GetConfig_Browser_AnswersThePageWithStrictPolicyAndNoCaching));
        await using ApiFactory host = api;
        await using NpgsqlDataSource db = api.OpenDataSource();
        (Guid sid, string token) = await PageKit.SubscriptionAsync(app.Services, new ConfigSeed(db), "Family plan", "Two phones and a laptop");
        await using IAsyncDisposable usage = await PageKit.UsageAsync(sid, 3L << 30);
        HttpClient browser = PageKit.Browser(app);
        // The Host header is the caller's to choose; the page's URLs come from Configs:PublicBaseUrl only.
        browser.DefaultRequestHeaders.Host = "attacker.example";

        HttpResponseMessage r = await browser.GetAsync("/s/" + token);
        string html = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, html);
        Assert.Equal("text/html", r.Content.Headers.ContentType?.MediaType);
        string csp = string.Join(";", r.Headers.GetValues("Content-Security-Policy"));
        Assert.StartsWith("default-src 'none'; style-src 'sha256-", csp, StringComparison.Ordinal);
        Assert.Contains("img-src data:", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.True(r.Headers.CacheControl?.NoStore);
        Assert.Contains("Accept", r.Headers.Vary);
        Assert.Contains("User-Agent", r.Headers.Vary);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("attacker.example", html, StringComparison.Ordinal);

        string url = PageKit.PublicBaseUrl + "/s/" + token;
        Assert.Contains("<h1 id=\"title\">Family plan</h1>", html, StringComparison.Ordinal);
        Assert.Contains(">Two phones and a laptop<", html, StringComparison.Ordinal);
        Assert.Contains($"<meter id=\"usage\" min=\"0\" max=\"{PageKit.Limit}\" value=\"{3L << 30}\"", html, StringComparison.Ordinal);
        Assert.Contains("3 GiB / 10 GiB", html, StringComparison.Ordinal);
        Assert.Contains($"<dd id=\"reset\">{PageKit.NextReset}</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"expires\">2026-06-01 09:30 UTC</dd>", html, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"devices\">2 / 3</dd>", html, StringComparison.Ordinal);
        Assert.Contains("href=\"sing-box://import-remote-profile?url=" + Uri.EscapeDataString(url + "/singbox") + "#Family%20plan\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"clash://install-config?url=" + Uri.EscapeDataString(url + "/mihomo") + "\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"hiddify://import/" + url + "#Family%20plan\"", html, StringComparison.Ordinal);
        Assert.Contains("href=\"happ://add/" + url + "\"", html, StringComparison.Ordinal);
        foreach (string name in Vpn.Perf.Api.Features.Configs.ConfigFormats.Names)
        {
            Assert.Contains($"<input id=\"link-{name}\" type=\"text\" readonly value=\"{url}/{name}\">", html, StringComparison.Ordinal);
        }

        // Opening the page is no device: nothing was registered.
        Assert.Equal(2L, await new ConfigSeed(db).ScalarAsync<long>("select count(*) from devices where subscription_id = $1", sid));
    }

    [Fact]
    public async Task GetConfig_HtmlInTitleAndNotes_IsEncoded()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(GetConfig_HtmlInTitleAndNotes_IsEncoded));
        await using ApiFactory host = api;
        await using NpgsqlDataSource db = api.OpenDataSource();
        const string Title = "<script>alert(1)</script>\"'&";
        const string Notes = "<img src=x onerror=alert(2)></p><a href=\"javascript:alert(3)\">";
        (_, string token) = await PageKit.SubscriptionAsync(app.Services, new ConfigSeed(db), Title, Notes);

        string html = await (await PageKit.Browser(app).GetAsync("/s/" + token)).Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"javascript:", html, StringComparison.Ordinal);
        Assert.Contains("<h1 id=\"title\">&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#x27;&amp;</h1>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;&lt;/p&gt;&lt;a href=&quot;javascript:alert(3)&quot;&gt;", html, StringComparison.Ordinal);
        // In the deep links the title is percent-encoded first, then the attribute is encoded.
        Assert.Contains("#%3Cscript%3Ealert%281%29%3C%2Fscript%3E%22%27%26\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetConfig_AcceptLanguage_ChoosesThePagesLanguage()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(GetConfig_AcceptLanguage_ChoosesThePagesLanguage));
        await using ApiFactory host = api;
        await using NpgsqlDataSource db = api.OpenDataSource();
        (_, string token) = await PageKit.SubscriptionAsync(app.Services, new ConfigSeed(db), "Мой VPN", "");

        string russian = await (await PageKit.Browser(app, "ru-RU,ru;q=0.9,en-US;q=0.8").GetAsync("/s/" + token)).Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"ru\">", russian, StringComparison.Ordinal);
        Assert.Contains(PageStrings.Russian.ImportTitle, russian, StringComparison.Ordinal);
        Assert.Contains("<h1 id=\"title\">Мой VPN</h1>", russian, StringComparison.Ordinal);
        Assert.Contains("ГиБ", russian, StringComparison.Ordinal);

        string english = await (await PageKit.Browser(app, "de-DE,de;q=0.9,en;q=0.5,ru;q=0.4").GetAsync("/s/" + token)).Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\">", english, StringComparison.Ordinal);
        Assert.Contains(PageStrings.English.ImportTitle, english, StringComparison.Ordinal);
        string fallback = await (await PageKit.Browser(app, "fr").GetAsync("/s/" + token)).Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\">", fallback, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetConfig_BrowserNamingAFormat_GetsTheConfig()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(GetConfig_BrowserNamingAFormat_GetsTheConfig));
        await using ApiFactory host = api;
        await using NpgsqlDataSource db = api.OpenDataSource();
        (_, string token) = await PageKit.SubscriptionAsync(app.Services, new ConfigSeed(db), "Plan", "");
        HttpClient browser = PageKit.Browser(app);

        Assert.Equal("application/json", (await browser.GetAsync($"/s/{token}?format=singbox")).Content.Headers.ContentType?.MediaType);
        Assert.Equal("text/yaml", (await browser.GetAsync($"/s/{token}/mihomo")).Content.Headers.ContentType?.MediaType);
        Assert.Equal("text/plain", (await browser.GetAsync($"/s/{token}/links")).Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GetConfig_BrowserWithoutPublicBaseUrl_GetsTheConfig()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(GetConfig_BrowserWithoutPublicBaseUrl_GetsTheConfig), publicBaseUrl: null);
        await using ApiFactory host = api;
        await using NpgsqlDataSource db = api.OpenDataSource();
        (_, string token) = await PageKit.SubscriptionAsync(app.Services, new ConfigSeed(db), "Plan", "");

        HttpResponseMessage r = await PageKit.Browser(app).GetAsync("/s/" + token);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("text/plain", r.Content.Headers.ContentType?.MediaType); // the fallback rule's link list
    }

    [Fact]
    public async Task GetConfig_BrowserAndUnknownOrSuspended_AnswersTheConfigsProblems()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(GetConfig_BrowserAndUnknownOrSuspended_AnswersTheConfigsProblems));
        await using ApiFactory host = api;
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        (Guid sid, string token) = await PageKit.SubscriptionAsync(app.Services, seed, "Plan", "");
        HttpClient browser = PageKit.Browser(app);

        await ProblemAssert.IsAsync(await browser.GetAsync("/s/" + new string('A', 32)), HttpStatusCode.NotFound, "not-found");
        await seed.ExecAsync("update subscriptions set is_suspended = true where id = $1", sid);
        await ConfigEndpointTests.DrainNotificationsAsync(app.Services, seed);
        await ProblemAssert.IsAsync(await browser.GetAsync("/s/" + token), HttpStatusCode.Forbidden, "subscription-suspended");
    }

    [Fact]
    public async Task GetSubscription_Customer_LinksEveryFormatAndTheQrCode()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(GetSubscription_Customer_LinksEveryFormatAndTheQrCode));
        await using ApiFactory host = api;
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        (Guid sid, string token) = await PageKit.SubscriptionAsync(app.Services, seed, "Plan", "");
        Guid owner = await seed.ScalarAsync<Guid>("select owner_id from subscriptions where id = $1", sid);

        JsonElement dto = await JsonAsync(await api.ClientAs(owner, Roles.Customer).GetAsync($"/api/v1/subscriptions/{sid}"), HttpStatusCode.OK);
        string url = PageKit.PublicBaseUrl + "/s/" + token;
        Assert.Equal(url, dto.GetProperty("configUrl").GetString());
        JsonElement links = dto.GetProperty("links");
        Assert.Equal(url + "/qr", links.GetProperty("qr").GetString());
        Assert.Equal(url + "/qr?type=svg", links.GetProperty("qrSvg").GetString());
        Assert.Equal(Vpn.Perf.Api.Features.Configs.ConfigFormats.Names.Select(n => (n, url + "/" + n)),
            links.GetProperty("formats").EnumerateObject().Select(p => (p.Name, p.Value.GetString()!)));
    }

    private static bool IsBrowser(string? accept, string? userAgent) => BrowserRequest.IsBrowser(Headers(accept, userAgent));

    private static IHeaderDictionary Headers(string? accept, string? userAgent)
    {
        IHeaderDictionary headers = new HeaderDictionary();
        if (accept is not null) headers.Accept = accept;
        if (userAgent is not null) headers.UserAgent = userAgent;
        return headers;
    }
}
