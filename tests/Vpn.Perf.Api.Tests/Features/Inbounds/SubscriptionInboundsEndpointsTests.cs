using Vpn.Perf.Api.Data;
using System.Net;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.Nodes.NodeTestData;

namespace Vpn.Perf.Api.Tests.Features.Inbounds;

public sealed class SubscriptionInboundsEndpointsTests
{
    [Fact]
    public async Task ReplaceSubscriptionInbounds_NewSet_ReplacesLinksAndAuditsTheDifference()
    {
        await using var api = await ApiFactory.StartAsync(nameof(ReplaceSubscriptionInbounds_NewSet_ReplacesLinksAndAuditsTheDifference));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        Guid a = await InboundAsync(db, node, "vless"), b = await InboundAsync(db, node, "trojan"), c = await InboundAsync(db, node, "tuic");
        (Guid sub, _) = await SubscriptionAsync(db, await UserAsync(db), a, b);
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);

        JsonElement result = await JsonAsync(await SendAsync(client, HttpMethod.Put, $"/api/v1/subscriptions/{sub}/inbounds", new { inboundIds = new[] { c, b, c } }),
            HttpStatusCode.OK);

        Assert.Equal(new[] { b, c }, result.GetProperty("inboundIds").EnumerateArray().Select(e => e.GetGuid()));
        JsonElement listed = await JsonAsync(await client.GetAsync($"/api/v1/subscriptions/{sub}/inbounds"), HttpStatusCode.OK);
        Assert.Equal(new[] { b, c }, listed.GetProperty("inboundIds").EnumerateArray().Select(e => e.GetGuid()));
        var audit = Assert.Single(await AuditAsync(db));
        Assert.Equal(("subscription.inbounds.replace", "subscription:" + sub), (audit.Action, audit.Target));
        using var meta = JsonDocument.Parse(audit.Meta);
        Assert.Equal(c, Assert.Single(meta.RootElement.GetProperty("added").EnumerateArray()).GetGuid());
        Assert.Equal(a, Assert.Single(meta.RootElement.GetProperty("removed").EnumerateArray()).GetGuid());

        // The same set again changes nothing and is not audited; an empty set unlinks everything.
        await JsonAsync(await SendAsync(client, HttpMethod.Put, $"/api/v1/subscriptions/{sub}/inbounds", new { inboundIds = new[] { b, c } }), HttpStatusCode.OK);
        Assert.Single(await AuditAsync(db));
        await JsonAsync(await SendAsync(client, HttpMethod.Put, $"/api/v1/subscriptions/{sub}/inbounds", new { inboundIds = Array.Empty<Guid>() }), HttpStatusCode.OK);
        Assert.Equal(0L, await ScalarAsync<long>(db, "select count(*) from subscription_inbounds"));
    }

    [Fact]
    public async Task ReplaceSubscriptionInbounds_InvalidOrUnknown_Returns400Or404()
    {
        await using var api = await ApiFactory.StartAsync(nameof(ReplaceSubscriptionInbounds_InvalidOrUnknown_Returns400Or404));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        Guid a = await InboundAsync(db, node, "vless");
        (Guid sub, _) = await SubscriptionAsync(db, await UserAsync(db), a);
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        string url = $"/api/v1/subscriptions/{sub}/inbounds";

        JsonElement missing = await ProblemAssert.IsAsync(await SendAsync(client, HttpMethod.Put, url, new { }), HttpStatusCode.BadRequest, "validation");
        Assert.True(missing.GetProperty("errors").TryGetProperty("inboundIds", out _));
        Guid ghost = Ids.NewId();
        JsonElement unknown = await ProblemAssert.IsAsync(await SendAsync(client, HttpMethod.Put, url, new { inboundIds = new[] { a, ghost } }),
            HttpStatusCode.BadRequest, "validation");
        Assert.Contains(ghost.ToString(), unknown.GetProperty("errors").GetProperty("inboundIds")[0].GetString(), StringComparison.Ordinal);
        JsonElement tooMany = await ProblemAssert.IsAsync(
            await SendAsync(client, HttpMethod.Put, url, new { inboundIds = Enumerable.Range(0, 1001).Select(_ => Ids.NewId()).ToArray() }),
            HttpStatusCode.BadRequest, "validation");
        Assert.True(tooMany.GetProperty("errors").TryGetProperty("inboundIds", out _));
        Assert.Equal(1L, await ScalarAsync<long>(db, "select count(*) from subscription_inbounds"));

        string other = $"/api/v1/subscriptions/{Ids.NewId()}/inbounds";
        await ProblemAssert.IsAsync(await SendAsync(client, HttpMethod.Put, other, new { inboundIds = new[] { a } }), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.GetAsync(other), HttpStatusCode.NotFound, "not-found");
        Assert.Empty(await AuditAsync(db));
    }

    [Fact]
    public async Task LinkAndUnlinkSubscriptionInbound_Valid_ChangeOneLinkIdempotentlyWithAudit()
    {
        await using var api = await ApiFactory.StartAsync(nameof(LinkAndUnlinkSubscriptionInbound_Valid_ChangeOneLinkIdempotentlyWithAudit));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        Guid a = await InboundAsync(db, node, "vless");
        (Guid sub, _) = await SubscriptionAsync(db, await UserAsync(db));
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        string url = $"/api/v1/subscriptions/{sub}/inbounds/{a}";

        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync(url, null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync(url, null)).StatusCode);
        Assert.Equal(1L, await ScalarAsync<long>(db, "select count(*) from subscription_inbounds"));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(url)).StatusCode);
        Assert.Equal(0L, await ScalarAsync<long>(db, "select count(*) from subscription_inbounds"));
        Assert.Equal(new[] { "subscription.inbound.link", "subscription.inbound.unlink" }, (await AuditAsync(db)).Select(x => x.Action));

        Guid ghost = Ids.NewId();
        await ProblemAssert.IsAsync(await client.PostAsync($"/api/v1/subscriptions/{sub}/inbounds/{ghost}", null), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.PostAsync($"/api/v1/subscriptions/{ghost}/inbounds/{a}", null), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.DeleteAsync($"/api/v1/subscriptions/{ghost}/inbounds/{a}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.DeleteAsync($"/api/v1/subscriptions/{sub}/inbounds/{ghost}"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task SubscriptionInboundEndpoints_WithoutStaffRole_AreRefused()
    {
        await using var api = await ApiFactory.StartAsync(nameof(SubscriptionInboundEndpoints_WithoutStaffRole_AreRefused));
        string set = $"/api/v1/subscriptions/{Ids.NewId()}/inbounds", one = set + $"/{Ids.NewId()}";
        await AssertRefusedAsync(api, [(HttpMethod.Get, set), (HttpMethod.Put, set), (HttpMethod.Post, one), (HttpMethod.Delete, one)], Roles.Customer);
    }
}
