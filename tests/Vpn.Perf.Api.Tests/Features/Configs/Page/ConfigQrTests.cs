using System.Net;
using System.Net.Http.Headers;
using System.Xml.Linq;
using Npgsql;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Configs.Page;

/// <summary><c>GET /s/{token}/qr</c>: PNG and SVG of the config URL, read back by zbarimg, under the config's token rules.</summary>
public sealed class ConfigQrTests
{
    [Fact]
    public async Task GetQr_Default_PngDecodesToTheConfiguredConfigUrl()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(GetQr_Default_PngDecodesToTheConfiguredConfigUrl));
        await using ApiFactory host = api;
        await using NpgsqlDataSource db = api.OpenDataSource();
        (_, string token) = await PageKit.SubscriptionAsync(app.Services, new ConfigSeed(db), "Plan", "");
        HttpClient client = app.CreateClient();
        client.DefaultRequestHeaders.Host = "attacker.example";

        HttpResponseMessage r = await client.GetAsync($"/s/{token}/qr");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("image/png", r.Content.Headers.ContentType?.MediaType);
        Assert.True(r.Headers.CacheControl is { Private: true, MaxAge: not null }, r.Headers.CacheControl?.ToString());
        Assert.Contains("Accept", r.Headers.Vary);
        Assert.NotNull(r.Headers.ETag);
        Assert.Equal([PageKit.PublicBaseUrl + "/s/" + token], await Zbar.DecodeAsync(await r.Content.ReadAsByteArrayAsync()));

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/s/{token}/qr");
        again.Headers.IfNoneMatch.Add(r.Headers.ETag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task GetQr_TypeSvgOrAcceptSvg_AnswersAnSvgOfPresentationAttributesOnly()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(GetQr_TypeSvgOrAcceptSvg_AnswersAnSvgOfPresentationAttributesOnly));
        await using ApiFactory host = api;
        await using NpgsqlDataSource db = api.OpenDataSource();
        (_, string token) = await PageKit.SubscriptionAsync(app.Services, new ConfigSeed(db), "Plan", "");
        HttpClient client = app.CreateClient();

        HttpResponseMessage byQuery = await client.GetAsync($"/s/{token}/qr?type=svg");
        using var byAccept = new HttpRequestMessage(HttpMethod.Get, $"/s/{token}/qr");
        byAccept.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("image/svg+xml"));
        HttpResponseMessage accepted = await client.SendAsync(byAccept);
        foreach (HttpResponseMessage r in new[] { byQuery, accepted })
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("image/svg+xml", r.Content.Headers.ContentType?.MediaType);
            XElement svg = XElement.Parse(await r.Content.ReadAsStringAsync());
            Assert.Equal("svg", svg.Name.LocalName);
            // Nothing a policy would have to allow: no script, no style element or attribute, no external reference.
            Assert.DoesNotContain(svg.DescendantsAndSelf(), e => e.Name.LocalName is "script" or "style" or "image" or "foreignObject");
            Assert.DoesNotContain(svg.DescendantsAndSelf().Attributes(), a => a.Name.LocalName is "style" or "href" || a.Name.LocalName.StartsWith("on", StringComparison.Ordinal));
        }
        Assert.NotEqual(byQuery.Headers.ETag, (await client.GetAsync($"/s/{token}/qr")).Headers.ETag);
        await ProblemAssert.IsAsync(await client.GetAsync($"/s/{token}/qr?type=gif"), HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task GetQr_UnknownSuspendedOrNoPublicBase_AnswersProblems()
    {
        (ApiFactory api, var app) = await PageKit.StartAsync(nameof(GetQr_UnknownSuspendedOrNoPublicBase_AnswersProblems));
        await using ApiFactory host = api;
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        (Guid sid, string token) = await PageKit.SubscriptionAsync(app.Services, seed, "Plan", "");
        HttpClient client = app.CreateClient();

        await ProblemAssert.IsAsync(await client.GetAsync($"/s/{new string('A', 32)}/qr"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.GetAsync("/s/not-a-token/qr"), HttpStatusCode.NotFound, "not-found");
        await seed.ExecAsync("update subscriptions set expires_at = $2 where id = $1", sid, PageKit.Now.AddMinutes(-1));
        await ConfigEndpointTests.DrainNotificationsAsync(app.Services, seed);
        await ProblemAssert.IsAsync(await client.GetAsync($"/s/{token}/qr"), HttpStatusCode.Forbidden, "subscription-expired");
        await seed.ExecAsync("update subscriptions set expires_at = null, is_suspended = true where id = $1", sid);
        await ConfigEndpointTests.DrainNotificationsAsync(app.Services, seed);
        await ProblemAssert.IsAsync(await client.GetAsync($"/s/{token}/qr"), HttpStatusCode.Forbidden, "subscription-suspended");

        (ApiFactory bare, var bareApp) = await PageKit.StartAsync(nameof(GetQr_UnknownSuspendedOrNoPublicBase_AnswersProblems) + "_bare", publicBaseUrl: null);
        await using ApiFactory bareHost = bare;
        await using NpgsqlDataSource bareDb = bare.OpenDataSource();
        (_, string bareToken) = await PageKit.SubscriptionAsync(bareApp.Services, new ConfigSeed(bareDb), "Plan", "");
        await ProblemAssert.IsAsync(await bareApp.CreateClient().GetAsync($"/s/{bareToken}/qr"), HttpStatusCode.NotFound, "not-found");
    }
}
