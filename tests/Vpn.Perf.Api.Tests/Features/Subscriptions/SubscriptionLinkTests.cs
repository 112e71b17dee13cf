using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.AdminTestKit;

namespace Vpn.Perf.Api.Tests.Features.Subscriptions;

/// <summary>The config URL in subscription resources and <c>POST /api/v1/subscriptions/{id}/rotate-link</c>.</summary>
public sealed class SubscriptionLinkTests
{
    [Fact]
    public async Task RotateLink_Owner_OldUrlIs404AtOnceNewOneServesAndItIsAuditedWithoutTheToken()
    {
        await using var api = await StartAsync(nameof(RotateLink_Owner_OldUrlIs404AtOnceNewOneServesAndItIsAuditedWithoutTheToken));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid id = await ConfigEndpointTests.OneInboundSubscriptionAsync(seed);
        Guid owner = await seed.ScalarAsync<Guid>("select owner_id from subscriptions where id = $1", id);
        string oldPath = await ConfigEndpointTests.PathOfAsync(api.Services, seed, id);
        HttpClient customer = api.ClientAs(owner, Roles.Customer);
        HttpClient anonymous = api.CreateClient();
        HttpResponseMessage read = await customer.GetAsync($"/api/v1/subscriptions/{id}");
        // The config URL is a bearer secret: no cache along the way may keep an answer that shows it.
        Assert.True(read.Headers.CacheControl?.NoStore, "GET subscription");
        JsonElement before = await JsonAsync(read, HttpStatusCode.OK);
        Assert.Equal("http://localhost" + oldPath, before.GetProperty("configUrl").GetString());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(oldPath)).StatusCode);

        HttpResponseMessage response = await customer.PostAsync($"/api/v1/subscriptions/{id}/rotate-link", null);
        Assert.True(response.Headers.CacheControl?.NoStore, "rotate-link");
        JsonElement rotated = await JsonAsync(response, HttpStatusCode.OK);

        // Straight after the answer, with no waiting: the old URL is dead and the new one serves.
        string newPath = new Uri(rotated.GetProperty("configUrl").GetString()!).AbsolutePath;
        await ProblemAssert.IsAsync(await anonymous.GetAsync(oldPath), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(newPath)).StatusCode);
        Assert.NotEqual(oldPath, newPath);
        Assert.Equal("/s/" + await seed.ScalarAsync<string>("select link_token from subscriptions where id = $1", id), newPath);
        Assert.Equal(before.GetProperty("version").GetInt64() + 1, rotated.GetProperty("version").GetInt64());
        Assert.Equal($"\"{rotated.GetProperty("version").GetInt64()}\"", response.Headers.ETag?.ToString());

        Assert.Equal(1L, await seed.ScalarAsync<long>(
            "select count(*) from audit_log where action = 'subscription.rotate_link' and actor_id = $1 and target = $2", owner, "subscription:" + id));
        foreach (string path in new[] { oldPath, newPath })
        {
            Assert.Equal(0L, await seed.ScalarAsync<long>("select count(*) from audit_log where strpos(coalesce(meta::text, '') || target, $1) > 0", path[3..]));
        }
    }

    [Fact]
    public async Task RotateLink_AnotherCustomersSubscription_Is404AndTheLinkStays()
    {
        await using var api = await StartAsync(nameof(RotateLink_AnotherCustomersSubscription_Is404AndTheLinkStays));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid alices = await ConfigEndpointTests.OneInboundSubscriptionAsync(seed);
        string path = await ConfigEndpointTests.PathOfAsync(api.Services, seed, alices);
        HttpClient bob = api.ClientAs(await seed.UserAsync(), Roles.Customer);

        await ProblemAssert.IsAsync(await bob.PostAsync($"/api/v1/subscriptions/{alices}/rotate-link", null), HttpStatusCode.NotFound, "not-found");
        // A stale If-Match must not tell Bob that the subscription exists either (412 would).
        using HttpRequestMessage stale = Rotate(alices, 99);
        await ProblemAssert.IsAsync(await bob.SendAsync(stale), HttpStatusCode.NotFound, "not-found");

        Assert.Equal("/s/" + await seed.ScalarAsync<string>("select link_token from subscriptions where id = $1", alices), path);
        Assert.Equal(HttpStatusCode.OK, (await api.CreateClient().GetAsync(path)).StatusCode);
        Assert.Equal(0L, await AuditCountAsync(api, "subscription.rotate_link"));
        await ProblemAssert.IsAsync(await api.CreateClient().PostAsync($"/api/v1/subscriptions/{alices}/rotate-link", null),
            HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task RotateLink_Staff_RotatesAnySubscriptionAndAStaleIfMatchIs412()
    {
        await using var api = await StartAsync(nameof(RotateLink_Staff_RotatesAnySubscriptionAndAStaleIfMatchIs412));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid id = await ConfigEndpointTests.OneInboundSubscriptionAsync(seed);
        string path = await ConfigEndpointTests.PathOfAsync(api.Services, seed, id);

        foreach (HttpClient staff in new[] { Operator(api), Superuser(api) })
        {
            long version = await seed.ScalarAsync<long>("select version from subscriptions where id = $1", id);
            using HttpRequestMessage rotate = Rotate(id, version);
            JsonElement rotated = await JsonAsync(await staff.SendAsync(rotate), HttpStatusCode.OK);
            await ProblemAssert.IsAsync(await api.CreateClient().GetAsync(path), HttpStatusCode.NotFound, "not-found");
            path = new Uri(rotated.GetProperty("configUrl").GetString()!).AbsolutePath;
            Assert.Equal(HttpStatusCode.OK, (await api.CreateClient().GetAsync(path)).StatusCode);

            using HttpRequestMessage stale = Rotate(id, version);
            await ProblemAssert.IsAsync(await staff.SendAsync(stale), HttpStatusCode.PreconditionFailed, "stale-version");
        }
        Assert.Equal(2L, await AuditCountAsync(api, "subscription.rotate_link"));
        await ProblemAssert.IsAsync(await Operator(api).PostAsync($"/api/v1/subscriptions/{Guid.NewGuid()}/rotate-link", null), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task SubscriptionResources_PublicBaseUrlSet_ConfigUrlStartsWithIt()
    {
        await using var api = await ApiFactory.StartAsync(nameof(SubscriptionResources_PublicBaseUrlSet_ConfigUrlStartsWithIt),
            new Dictionary<string, string?>(Settings) { ["Configs:PublicBaseUrl"] = "https://vpn.example.com/panel/" });
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid owner = await seed.UserAsync();
        JsonElement created = await PostAsync(Operator(api), "/api/v1/subscriptions", new { ownerId = owner }, HttpStatusCode.Created);
        Guid id = created.GetProperty("id").GetGuid();
        string expected = "https://vpn.example.com/panel/s/" + await seed.ScalarAsync<string>("select link_token from subscriptions where id = $1", id);

        Assert.Equal(expected, created.GetProperty("configUrl").GetString());
        JsonElement page = await JsonAsync(await api.ClientAs(owner, Roles.Customer).GetAsync("/api/v1/subscriptions"), HttpStatusCode.OK);
        Assert.Equal(expected, Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("configUrl").GetString());
        // Created through the Api: this instance serves it at once, without waiting for the notification.
        Assert.NotEqual(HttpStatusCode.NotFound, (await api.CreateClient().GetAsync(new Uri(expected).AbsolutePath[6..])).StatusCode);
    }

    private static HttpRequestMessage Rotate(Guid id, long ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/subscriptions/{id}/rotate-link");
        request.Headers.IfMatch.Add(new EntityTagHeaderValue("\"" + ifMatch.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\""));
        return request;
    }
}
