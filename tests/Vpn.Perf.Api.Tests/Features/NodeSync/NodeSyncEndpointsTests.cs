using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.Nodes.NodeTestData;

namespace Vpn.Perf.Api.Tests.Features.NodeSync;

public sealed class NodeSyncEndpointsTests
{
    private const string Ss2022 = "2022-blake3-aes-128-gcm";

    [Fact]
    public async Task GetNodeSync_ActiveInbounds_ListAllowedSubscriptionsWithCredentialsAndEffectiveSpeed()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetNodeSync_ActiveInbounds_ListAllowedSubscriptionsWithCredentialsAndEffectiveSpeed));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db), otherNode = await NodeAsync(db);
        Guid vless = await InboundAsync(db, node, "vless");
        Guid trojan = await InboundAsync(db, node, "trojan");
        Guid ss2022 = await InboundAsync(db, node, "shadowsocks", $$"""{"method":"{{Ss2022}}"}""");
        Guid ssLegacy = await InboundAsync(db, node, "shadowsocks", """{"method":"aes-256-gcm"}""");
        Guid tuic = await InboundAsync(db, node, "tuic");
        Guid hy2 = await InboundAsync(db, node, "hysteria2");
        Guid inactive = await InboundAsync(db, node, "vmess", active: false);
        Guid elsewhere = await InboundAsync(db, otherNode, "vless");
        Guid[] all = [vless, trojan, ss2022, ssLegacy, tuic, hy2, inactive, elsewhere];

        Guid owner = await UserAsync(db), disabledOwner = await UserAsync(db, disabled: true);
        Guid group = Ids.NewId();
        await ExecAsync(db, "insert into groups (id, name, max_speed) values ($1, 'g', 5000000)", group);
        await ExecAsync(db, "insert into user_groups values ($1, $2)", owner, group);
        (Guid ok, string okSecret) = await SubscriptionAsync(db, owner, all);
        (Guid own, string ownSecret) = await SubscriptionAsync(db, owner, vless);
        await ExecAsync(db, "update subscriptions set max_speed = 1000, expires_at = now() + interval '1 day' where id = $1", own);
        (Guid suspended, _) = await SubscriptionAsync(db, owner, vless);
        await ExecAsync(db, "update subscriptions set is_suspended = true where id = $1", suspended);
        (Guid expired, _) = await SubscriptionAsync(db, owner, vless);
        await ExecAsync(db, "update subscriptions set expires_at = now() - interval '1 second' where id = $1", expired);
        (Guid overLimit, _) = await SubscriptionAsync(db, owner, vless);
        await ExecAsync(db, "update subscriptions set is_over_limit = true where id = $1", overLimit);
        await SubscriptionAsync(db, disabledOwner, vless);
        await SubscriptionAsync(db, owner); // not linked
        string key = await TokenAsync(db, node);

        JsonElement doc = await JsonAsync(await NodeClient(api, key).GetAsync("/api/v1/node/sync"), HttpStatusCode.OK);

        Assert.Equal(node, doc.GetProperty("nodeId").GetGuid());
        JsonElement[] inbounds = [.. doc.GetProperty("inbounds").EnumerateArray()];
        Assert.Equal(new[] { vless, trojan, ss2022, ssLegacy, tuic, hy2 }, inbounds.Select(i => i.GetProperty("id").GetGuid()));
        JsonElement[] vlessUsers = [.. inbounds[0].GetProperty("users").EnumerateArray()];
        Assert.Equal(new[] { ok, own }, vlessUsers.Select(u => u.GetProperty("subscriptionId").GetGuid()));
        Assert.Equal(okSecret, vlessUsers[0].GetProperty("uuid").GetString());
        Assert.False(vlessUsers[0].TryGetProperty("password", out _));
        Assert.Equal(5_000_000, vlessUsers[0].GetProperty("maxSpeed").GetInt64()); // the owner's group
        Assert.Equal(JsonValueKind.Null, vlessUsers[0].GetProperty("expiresAt").ValueKind);
        Assert.Equal(ownSecret, vlessUsers[1].GetProperty("uuid").GetString());
        Assert.Equal(1000, vlessUsers[1].GetProperty("maxSpeed").GetInt64()); // its own value wins
        Assert.NotEqual(JsonValueKind.Null, vlessUsers[1].GetProperty("expiresAt").ValueKind);

        JsonElement User(int inbound) => Assert.Single(inbounds[inbound].GetProperty("users").EnumerateArray());
        Assert.Equal(okSecret, User(1).GetProperty("password").GetString());
        Assert.False(User(1).TryGetProperty("uuid", out _));
        Assert.Equal(Ss2022, inbounds[2].GetProperty("method").GetString());
        Assert.Equal(SubscriptionCredentials.Shadowsocks2022UserKey(Ss2022, okSecret), User(2).GetProperty("password").GetString());
        Assert.Equal(okSecret, User(3).GetProperty("password").GetString());
        Assert.Equal(okSecret, User(4).GetProperty("uuid").GetString());
        Assert.Equal(okSecret, User(4).GetProperty("password").GetString());
        Assert.Equal(okSecret, User(5).GetProperty("password").GetString());
        Assert.False(inbounds[0].TryGetProperty("method", out _));
    }

    [Fact]
    public async Task GetNodeSync_IfNoneMatch_Returns304UntilARelevantChange()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetNodeSync_IfNoneMatch_Returns304UntilARelevantChange));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        Guid inbound = await InboundAsync(db, node, "vless", tag: "v");
        Guid owner = await UserAsync(db);
        Guid group = Ids.NewId();
        await ExecAsync(db, "insert into groups (id, name, max_speed) values ($1, 'g', 1000)", group);
        await ExecAsync(db, "insert into user_groups values ($1, $2)", owner, group);
        (Guid sub, _) = await SubscriptionAsync(db, owner, inbound);
        (Guid later, _) = await SubscriptionAsync(db, owner);
        HttpClient nodeClient = NodeClient(api, await TokenAsync(db, node));
        HttpClient staff = api.ClientAs(Guid.NewGuid(), Roles.Operator);

        HttpResponseMessage first = await nodeClient.GetAsync("/api/v1/node/sync");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        EntityTagHeaderValue etag = first.Headers.ETag!;
        Assert.NotNull(etag);
        HttpResponseMessage again = await GetAsync(nodeClient, etag);
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Equal(etag, again.Headers.ETag);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());

        // A change node sync does not depend on keeps the 304.
        await ExecAsync(db, "update subscriptions set title = 'renamed' where id = $1", sub);
        Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(nodeClient, etag)).StatusCode);

        async Task<EntityTagHeaderValue> ChangedAsync(EntityTagHeaderValue previous, string what)
        {
            HttpResponseMessage r = await GetAsync(nodeClient, previous);
            Assert.True(HttpStatusCode.OK == r.StatusCode, $"after {what}: {(int)r.StatusCode}");
            Assert.NotEqual(previous, r.Headers.ETag);
            return r.Headers.ETag!;
        }

        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsync($"/api/v1/subscriptions/{later}/inbounds/{inbound}", null)).StatusCode);
        etag = await ChangedAsync(etag, "link");
        await ExecAsync(db, "update subscriptions set is_suspended = true where id = $1", sub);
        etag = await ChangedAsync(etag, "suspend");
        await JsonAsync(await SendAsync(staff, HttpMethod.Put, $"/api/v1/inbounds/{inbound}",
            new { tag = "v", host = "h.example.net", port = 8443, protocol = "vless" }), HttpStatusCode.OK);
        etag = await ChangedAsync(etag, "inbound edit");
        await ExecAsync(db, "update groups set max_speed = 2000 where id = $1", group);
        etag = await ChangedAsync(etag, "group speed");
        Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(nodeClient, etag)).StatusCode);
    }

    [Fact]
    public async Task GetNodeSync_SubscriptionExpires_ETagChangesAtTheExpiryInstant()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetNodeSync_SubscriptionExpires_ETagChangesAtTheExpiryInstant));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        Guid inbound = await InboundAsync(db, node, "trojan");
        (Guid sub, _) = await SubscriptionAsync(db, await UserAsync(db), inbound);
        var expiry = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await ExecAsync(db, "update subscriptions set expires_at = $2 where id = $1", sub, expiry);
        var clock = new ManualTime(expiry.AddHours(-1));
        await using var timed = api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(clock)));
        HttpClient client = timed.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", await TokenAsync(db, node));

        HttpResponseMessage before = await client.GetAsync("/api/v1/node/sync");
        JsonElement doc = await JsonAsync(before, HttpStatusCode.OK);
        Assert.Single(doc.GetProperty("inbounds")[0].GetProperty("users").EnumerateArray());
        clock.Now = expiry.AddTicks(-1);
        Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(client, before.Headers.ETag!)).StatusCode);

        clock.Now = expiry;
        HttpResponseMessage after = await GetAsync(client, before.Headers.ETag!);
        JsonElement expired = await JsonAsync(after, HttpStatusCode.OK);
        Assert.Empty(expired.GetProperty("inbounds")[0].GetProperty("users").EnumerateArray());
        Assert.NotEqual(before.Headers.ETag, after.Headers.ETag);
    }

    [Fact]
    public async Task GetNodeSync_MissingInvalidRevokedOrJwtToken_Returns401()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetNodeSync_MissingInvalidRevokedOrJwtToken_Returns401));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        HttpClient staff = api.ClientAs(Guid.NewGuid(), Roles.Superuser);
        JsonElement created = await JsonAsync(await staff.PostAsync($"/api/v1/nodes/{node}/tokens", null), HttpStatusCode.Created);
        HttpClient nodeClient = NodeClient(api, created.GetProperty("key").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await nodeClient.GetAsync("/api/v1/node/sync")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/v1/nodes/{node}/tokens/{created.GetProperty("id").GetGuid()}")).StatusCode);

        HttpResponseMessage revoked = await nodeClient.GetAsync("/api/v1/node/sync");
        await ProblemAssert.IsAsync(revoked, HttpStatusCode.Unauthorized, "invalid-token");
        Assert.Equal("Bearer", revoked.Headers.WwwAuthenticate.Single().Scheme);
        await ProblemAssert.IsAsync(await api.CreateClient().GetAsync("/api/v1/node/sync"), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsAsync(await NodeClient(api, NodeTokenKey.Create()).GetAsync("/api/v1/node/sync"), HttpStatusCode.Unauthorized, "invalid-token");
        // A user's access token is not a node token, whatever the role.
        await ProblemAssert.IsAsync(await staff.GetAsync("/api/v1/node/sync"), HttpStatusCode.Unauthorized, "invalid-token");
    }

    /// <summary>A fresh token of the node; its key. Shared with WireGuardPeersTests, as are the two below.</summary>
    internal static async Task<string> TokenAsync(NpgsqlDataSource db, Guid node)
    {
        string key = NodeTokenKey.Create();
        await ExecAsync(db, "insert into node_tokens (id, node_id, key_hash) values ($1, $2, $3)", Ids.NewId(), node, NodeTokenKey.Hash(key));
        return key;
    }

    internal static HttpClient NodeClient(ApiFactory api, string key)
    {
        HttpClient client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }

    internal static Task<HttpResponseMessage> GetAsync(HttpClient client, EntityTagHeaderValue etag)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/node/sync");
        request.Headers.IfNoneMatch.Add(etag);
        return client.SendAsync(request);
    }

    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
