using System.Globalization;
using System.Net;
using System.Text.Json;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Tests.Features.StateSync;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;
using static Vpn.Perf.Api.Tests.Features.Nodes.NodeTestData;

namespace Vpn.Perf.Api.Tests.Features.Nodes;

[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class NodesEndpointsTests
{
    [Fact]
    public async Task CreateNode_Valid_ReturnsCreatedNeverReportedAndAudits()
    {
        await using var api = await ApiFactory.StartAsync(nameof(CreateNode_Valid_ReturnsCreatedNeverReportedAndAudits));
        await using NpgsqlDataSource db = api.OpenDataSource();
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);

        HttpResponseMessage r = await SendAsync(client, HttpMethod.Post, "/api/v1/nodes", new { name = "ams-1", description = "d", geo = "NL", purpose = "general" });

        JsonElement node = await JsonAsync(r, HttpStatusCode.Created);
        Guid id = node.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/nodes/{id}", r.Headers.Location?.OriginalString);
        Assert.Equal("ams-1", node.GetProperty("name").GetString());
        Assert.Equal("NL", node.GetProperty("geo").GetString());
        Assert.Equal(JsonValueKind.Null, node.GetProperty("lastReportAt").ValueKind);
        Assert.False(node.GetProperty("isActive").GetBoolean());
        var audit = Assert.Single(await AuditAsync(db));
        Assert.Equal(("node.create", "node:" + id), (audit.Action, audit.Target));
    }

    [Fact]
    public async Task CreateNode_InvalidFields_Returns400WithFieldErrors()
    {
        await using var api = await ApiFactory.StartAsync(nameof(CreateNode_InvalidFields_Returns400WithFieldErrors));
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Superuser);

        HttpResponseMessage r = await SendAsync(client, HttpMethod.Post, "/api/v1/nodes", new { name = " ", geo = new string('g', 65) });

        JsonElement problem = await ProblemAssert.IsAsync(r, HttpStatusCode.BadRequest, "validation");
        JsonElement errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("geo", out _));
    }

    [Fact]
    public async Task CreateNode_DuplicateName_Returns409Conflict()
    {
        await using var api = await ApiFactory.StartAsync(nameof(CreateNode_DuplicateName_Returns409Conflict));
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        await JsonAsync(await SendAsync(client, HttpMethod.Post, "/api/v1/nodes", new { name = "same" }), HttpStatusCode.Created);

        await ProblemAssert.IsAsync(await SendAsync(client, HttpMethod.Post, "/api/v1/nodes", new { name = "same" }), HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task ListNodes_LastSeenInRedis_ShowsLastReportAndActivityPerPage()
    {
        await using var api = await ApiFactory.StartAsync(nameof(ListNodes_LastSeenInRedis_ShowsLastReportAndActivityPerPage));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        Guid never = await NodeAsync(db);
        Guid stale = await NodeAsync(db);
        Guid fresh = await NodeAsync(db);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long staleMs = now - (long)TimeSpan.FromMinutes(6).TotalMilliseconds;
        await redis.HashSetAsync(RedisKeys.NodeLastSeen, fresh.ToString("N"), now.ToString(CultureInfo.InvariantCulture));
        await redis.HashSetAsync(RedisKeys.NodeLastSeen, stale.ToString("N"), staleMs.ToString(CultureInfo.InvariantCulture));
        try
        {
            HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);
            JsonElement first = await JsonAsync(await client.GetAsync("/api/v1/nodes?limit=2"), HttpStatusCode.OK);
            JsonElement[] items = [.. first.GetProperty("items").EnumerateArray()];
            Assert.Equal(new[] { fresh, stale }, items.Select(i => i.GetProperty("id").GetGuid()));
            Assert.True(items[0].GetProperty("isActive").GetBoolean());
            Assert.Equal(now, items[0].GetProperty("lastReportAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
            Assert.False(items[1].GetProperty("isActive").GetBoolean());
            Assert.Equal(staleMs, items[1].GetProperty("lastReportAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
            Assert.Equal(stale, first.GetProperty("next").GetGuid());

            JsonElement second = await JsonAsync(await client.GetAsync($"/api/v1/nodes?limit=2&after={stale}"), HttpStatusCode.OK);
            JsonElement last = Assert.Single(second.GetProperty("items").EnumerateArray());
            Assert.Equal(never, last.GetProperty("id").GetGuid());
            Assert.Equal(JsonValueKind.Null, last.GetProperty("lastReportAt").ValueKind);
            Assert.False(last.GetProperty("isActive").GetBoolean());
            Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);

            // A wider window makes the stale node active: the window is configuration, not a constant.
            await using var wide = new ApiFactory(api.Postgres, new Dictionary<string, string?> { ["Nodes:ActiveWindow"] = "00:10:00" });
            JsonElement one = await JsonAsync(await wide.ClientAs(Guid.NewGuid(), Roles.Operator).GetAsync($"/api/v1/nodes/{stale}"), HttpStatusCode.OK);
            Assert.True(one.GetProperty("isActive").GetBoolean());
        }
        finally
        {
            await redis.HashDeleteAsync(RedisKeys.NodeLastSeen, [fresh.ToString("N"), stale.ToString("N")]);
        }
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task GetNode_RedisStalledOrDown_Answers503AndRecoversWithoutRestart()
    {
        await using var proxy = new TcpFaultProxy(TestServers.RedisEndPoint.Host, TestServers.RedisEndPoint.Port);
        // A command timeout well below the default 5 s, so the stalled phase ends soon; nothing asserts how soon.
        await using var api = await ApiFactory.StartAsync(nameof(GetNode_RedisStalledOrDown_Answers503AndRecoversWithoutRestart),
            new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = TestServers.RedisFor(port: proxy.Port, asyncTimeout: TimeSpan.FromMilliseconds(500)) });
        await using NpgsqlDataSource db = api.OpenDataSource();
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        string url = $"/api/v1/nodes/{await NodeAsync(db)}";
        await SyncTest.UntilAsync(async () => (await client.GetAsync(url)).StatusCode == HttpStatusCode.OK, "the node with Redis up");

        // Redis takes the command and never answers: the library's timeout (a TimeoutException, not a RedisException).
        proxy.Pause();
        await ProblemAssert.IsAsync(await client.GetAsync(url), HttpStatusCode.ServiceUnavailable, "unavailable");
        proxy.Resume();
        await SyncTest.UntilAsync(async () => (await client.GetAsync(url)).StatusCode == HttpStatusCode.OK, "the node once Redis answers again");

        // Redis refuses connections: the command fails at once (fail-fast backlog), and the Api reconnects by itself.
        proxy.Block();
        await ProblemAssert.IsAsync(await client.GetAsync(url), HttpStatusCode.ServiceUnavailable, "unavailable");
        proxy.Unblock();
        await SyncTest.UntilAsync(async () => (await client.GetAsync(url)).StatusCode == HttpStatusCode.OK, "the node once Redis is back");
    }

    [Fact]
    public async Task GetUpdateDeleteNode_Unknown_Return404()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetUpdateDeleteNode_Unknown_Return404));
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        string url = $"/api/v1/nodes/{Ids.NewId()}";

        await ProblemAssert.IsAsync(await client.GetAsync(url), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await SendAsync(client, HttpMethod.Put, url, new { name = "x" }), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.DeleteAsync(url), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.PostAsync(url + "/tokens", null), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.GetAsync(url + "/tokens"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.DeleteAsync(url + $"/tokens/{Ids.NewId()}"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task UpdateNode_Valid_ReplacesFieldsAndAudits()
    {
        await using var api = await ApiFactory.StartAsync(nameof(UpdateNode_Valid_ReplacesFieldsAndAudits));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid id = await NodeAsync(db, "old");
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);

        await ProblemAssert.IsAsync(await SendAsync(client, HttpMethod.Put, $"/api/v1/nodes/{id}", new { name = "" }), HttpStatusCode.BadRequest, "validation");
        JsonElement node = await JsonAsync(await SendAsync(client, HttpMethod.Put, $"/api/v1/nodes/{id}", new { name = "new", purpose = "p" }), HttpStatusCode.OK);

        Assert.Equal("new", node.GetProperty("name").GetString());
        Assert.Equal("p", node.GetProperty("purpose").GetString());
        Assert.Equal("new", await ScalarAsync<string>(db, "select name from nodes where id = $1", id));
        Assert.Equal("node.update", Assert.Single(await AuditAsync(db)).Action);
    }

    [Fact]
    public async Task DeleteNode_WithActiveToken_RemovesItsKeyFromRedisAndAudits()
    {
        await using var api = await ApiFactory.StartAsync(nameof(DeleteNode_WithActiveToken_RemovesItsKeyFromRedisAndAudits));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        Guid id = await NodeAsync(db);
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Superuser);
        JsonElement token = await JsonAsync(await client.PostAsync($"/api/v1/nodes/{id}/tokens", null), HttpStatusCode.Created);
        string redisKey = RedisKeys.NodeToken(Vpn.Perf.Api.Auth.NodeTokenKey.Hash(token.GetProperty("key").GetString()!));
        Assert.NotNull((string?)await redis.HashGetAsync(redisKey, "node_id"));

        HttpResponseMessage r = await client.DeleteAsync($"/api/v1/nodes/{id}");

        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Null((string?)await redis.HashGetAsync(redisKey, "node_id"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "select count(*) from nodes"));
        Assert.Equal(0L, await ScalarAsync<long>(db, "select count(*) from node_token_removals"));
        Assert.Equal("node.delete", (await AuditAsync(db))[^1].Action);
    }

    [Fact]
    public async Task OpenApiDocument_Anonymous_DescribesNodeInboundAuditAndSyncPaths()
    {
        await using var api = await ApiFactory.StartAsync(nameof(OpenApiDocument_Anonymous_DescribesNodeInboundAuditAndSyncPaths));
        using var doc = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/api/openapi/v1.json"));
        JsonElement paths = doc.RootElement.GetProperty("paths");
        foreach (string path in new[]
        {
            "/api/v1/nodes", "/api/v1/nodes/{id}", "/api/v1/nodes/{id}/tokens", "/api/v1/nodes/{id}/tokens/{tokenId}",
            "/api/v1/nodes/{nodeId}/inbounds", "/api/v1/inbounds/{id}", "/api/v1/subscriptions/{id}/inbounds",
            "/api/v1/subscriptions/{id}/inbounds/{inboundId}", "/api/v1/audit", "/api/v1/node/sync",
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), path);
        }
    }

    [Fact]
    public async Task NodesEndpoints_WithoutStaffRole_AreRefused()
    {
        await using var api = await ApiFactory.StartAsync(nameof(NodesEndpoints_WithoutStaffRole_AreRefused));
        string node = $"/api/v1/nodes/{Ids.NewId()}";
        await AssertRefusedAsync(api,
        [
            (HttpMethod.Post, "/api/v1/nodes"), (HttpMethod.Get, "/api/v1/nodes"), (HttpMethod.Get, node), (HttpMethod.Put, node),
            (HttpMethod.Delete, node), (HttpMethod.Post, node + "/tokens"), (HttpMethod.Get, node + "/tokens"),
            (HttpMethod.Delete, node + $"/tokens/{Ids.NewId()}"),
        ], Roles.Customer);
    }
}
