using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.ClientFormats;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.NodeSync.NodeSyncEndpointsTests;
using static Vpn.Perf.Api.Tests.Features.Nodes.NodeTestData;

namespace Vpn.Perf.Api.Tests.Features.WireGuard;

/// <summary>
/// WireGuard end to end on the real Api and Postgres: inbound validation, peers made on link with addresses allocated
/// without collisions and released on unlink and delete, the customer's wg-quick file checked against node sync by
/// OpenSSL's X25519 (Python), node sync's scoping and ETag, and the format's stubs.
/// </summary>
public sealed class WireGuardPeersTests
{
    private const string Kek = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private static readonly Dictionary<string, string?> Settings = new() { ["WireGuard:KeyEncryptionKey"] = Kek, ["WireGuard:KeyEncryptionKeyId"] = "t1" };

    [Fact]
    public async Task CreateInbound_BadPools_Answers400PerField()
    {
        await using var api = await ApiFactory.StartAsync(nameof(CreateInbound_BadPools_Answers400PerField), Settings);
        await using NpgsqlDataSource db = api.OpenDataSource();
        HttpClient staff = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        Guid node = await NodeAsync(db);

        HttpResponseMessage r = await staff.PostAsJsonAsync($"/api/v1/nodes/{node}/inbounds", Request("wg", new
        {
            public_key = WireGuardInbounds.NodeKey, ipv4_pool = "10.0.0.0/31", ipv6_pool = "fd00::1/64",
        }));
        JsonElement problem = await ProblemAssert.IsAsync(r, HttpStatusCode.BadRequest, "validation");
        JsonElement errors = problem.GetProperty("errors");
        Assert.Contains("/30 or larger", errors.GetProperty("settings.ipv4_pool")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("host bits", errors.GetProperty("settings.ipv6_pool")[0].GetString(), StringComparison.Ordinal);

        r = await staff.PostAsJsonAsync($"/api/v1/nodes/{node}/inbounds", Request("wg", new { public_key = "not-a-key", ipv4_pool = "10.0.0.0/24" }));
        problem = await ProblemAssert.IsAsync(r, HttpStatusCode.BadRequest, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("settings.public_key", out _));
    }

    [Fact]
    public async Task CreateInbound_WithoutKeyEncryptionKey_Answers409NotConfigured()
    {
        await using var api = await ApiFactory.StartAsync(nameof(CreateInbound_WithoutKeyEncryptionKey_Answers409NotConfigured));
        await using NpgsqlDataSource db = api.OpenDataSource();
        HttpResponseMessage r = await api.ClientAs(Guid.NewGuid(), Roles.Operator)
            .PostAsJsonAsync($"/api/v1/nodes/{await NodeAsync(db)}/inbounds", Request("wg", new { public_key = WireGuardInbounds.NodeKey, ipv4_pool = "10.0.0.0/24" }));
        await ProblemAssert.IsAsync(r, HttpStatusCode.Conflict, "wireguard-not-configured");
    }

    [Fact]
    public async Task LinkSubscriptionInbound_ManyAtOnce_DistinctAddressesThenPoolExhaustedThenReleased()
    {
        await using var api = await ApiFactory.StartAsync(nameof(LinkSubscriptionInbound_ManyAtOnce_DistinctAddressesThenPoolExhaustedThenReleased), Settings);
        await using NpgsqlDataSource db = api.OpenDataSource();
        HttpClient staff = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        Guid node = await NodeAsync(db);
        // A /28 holds 13 peers (16 minus network, node and broadcast); the IPv6 /64 is larger, so the IPv4 pool decides.
        Guid inbound = await CreateInboundAsync(staff, node, new { public_key = WireGuardInbounds.NodeKey, ipv4_pool = "10.7.0.0/28", ipv6_pool = "fd07::/64" });
        Guid owner = await UserAsync(db);
        var subscriptions = new List<Guid>();
        for (int i = 0; i < 20; i++) subscriptions.Add((await SubscriptionAsync(db, owner)).Id);

        HttpResponseMessage[] answers = await Task.WhenAll(subscriptions.Select(s => staff.PostAsync($"/api/v1/subscriptions/{s}/inbounds/{inbound}", null)));

        Assert.Equal(13, answers.Count(a => a.StatusCode == HttpStatusCode.NoContent));
        foreach (HttpResponseMessage refused in answers.Where(a => a.StatusCode != HttpStatusCode.NoContent))
        {
            JsonElement problem = await ProblemAssert.IsAsync(refused, HttpStatusCode.Conflict, "wireguard-pool-exhausted");
            Assert.Equal(inbound, problem.GetProperty("inboundId").GetGuid());
        }
        int[] indexes = await IndexesAsync(db, inbound);
        Assert.Equal(Enumerable.Range(2, 13), indexes); // every address once, none skipped
        // A refused link was rolled back with its peer: no link without a peer.
        Assert.Equal(13L, await ScalarAsync<long>(db, "select count(*) from subscription_inbounds where inbound_id = $1", inbound));

        // Unlinking releases the address; deleting a subscription releases its address too; the lowest free one is reused.
        Guid unlinked = await ScalarAsync<Guid>(db, "select subscription_id from wireguard_peers where inbound_id = $1 and address_index = 5", inbound);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/v1/subscriptions/{unlinked}/inbounds/{inbound}")).StatusCode);
        Guid deleted = await ScalarAsync<Guid>(db, "select subscription_id from wireguard_peers where inbound_id = $1 and address_index = 3", inbound);
        await ExecAsync(db, "delete from subscriptions where id = $1", deleted);
        Assert.Equal(11, (await IndexesAsync(db, inbound)).Length);
        Guid waiting = subscriptions.First(s => answers[subscriptions.IndexOf(s)].StatusCode != HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsync($"/api/v1/subscriptions/{waiting}/inbounds/{inbound}", null)).StatusCode);
        Assert.Equal(3, await ScalarAsync<int>(db, "select address_index from wireguard_peers where subscription_id = $1", waiting));

        // Pools cannot shrink below an address handed out; the protocol of a linked inbound cannot leave wireguard.
        HttpResponseMessage shrink = await staff.PutAsJsonAsync($"/api/v1/inbounds/{inbound}", Request("wg", new { public_key = WireGuardInbounds.NodeKey, ipv4_pool = "10.7.0.0/30" }));
        await ProblemAssert.IsAsync(shrink, HttpStatusCode.Conflict, "conflict");
        HttpResponseMessage toVless = await staff.PutAsJsonAsync($"/api/v1/inbounds/{inbound}",
            new { tag = "wg", host = "wg.example.com", port = 443, protocol = "vless", network = "tcp", tls = "none" });
        await ProblemAssert.IsAsync(toVless, HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task GetConfig_WireGuardFormat_PrivateKeyDerivesThePublicKeyNodeSyncServes()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_WireGuardFormat_PrivateKeyDerivesThePublicKeyNodeSyncServes), Settings);
        await using NpgsqlDataSource db = api.OpenDataSource();
        HttpClient staff = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        Guid node = await NodeAsync(db, "wg-node"), otherNode = await NodeAsync(db);
        Guid inbound = await CreateInboundAsync(staff, node, new
        {
            public_key = WireGuardInbounds.NodeKey, ipv4_pool = "10.8.0.0/24", ipv6_pool = "fd08::/64", dns = new[] { "10.8.0.1" }, preshared_keys = true,
        });
        (Guid sub, _) = await SubscriptionAsync(db, await UserAsync(db));
        (Guid other, _) = await SubscriptionAsync(db, await UserAsync(db));
        HttpResponseMessage linked = await staff.PutAsJsonAsync($"/api/v1/subscriptions/{sub}/inbounds", new { inboundIds = new[] { inbound } });
        Assert.Equal(HttpStatusCode.OK, linked.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsync($"/api/v1/subscriptions/{other}/inbounds/{inbound}", null)).StatusCode);
        string path = "/s/" + await ScalarAsync<string>(db, "select link_token from subscriptions where id = $1", sub);
        HttpClient app = api.CreateClient();

        HttpResponseMessage byPath = await app.GetAsync(path + "/wireguard");
        string conf = await byPath.Content.ReadAsStringAsync();
        Assert.True(byPath.StatusCode == HttpStatusCode.OK, conf);
        Assert.Equal("text/plain", byPath.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".conf\"", byPath.Content.Headers.ContentDisposition!.ToString(), StringComparison.Ordinal);
        Assert.Equal(conf, await app.GetStringAsync(path + "?format=wireguard"));
        var again = new HttpRequestMessage(HttpMethod.Get, path + "/wireguard");
        again.Headers.IfNoneMatch.Add(byPath.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await app.SendAsync(again)).StatusCode);

        WgQuickChecker.Parsed parsed = await WgQuickChecker.CheckAsync(conf);
        JsonElement sync = await JsonAsync(await NodeClient(api, await TokenAsync(db, node)).GetAsync("/api/v1/node/sync"), HttpStatusCode.OK);
        JsonElement wg = Assert.Single(sync.GetProperty("inbounds").EnumerateArray()).GetProperty("wireGuard");
        Assert.Equal(["10.8.0.1/24", "fd08::1/64"], wg.GetProperty("address").EnumerateArray().Select(a => a.GetString()));
        JsonElement[] peers = [.. wg.GetProperty("peers").EnumerateArray()];
        Assert.Equal(2, peers.Length);
        JsonElement mine = peers.Single(p => p.GetProperty("subscriptionId").GetGuid() == sub);
        Assert.Equal(parsed.DerivedPublicKey, mine.GetProperty("publicKey").GetString()); // the key pair is one, by OpenSSL's X25519
        Assert.Equal(parsed.Interface["Address"], string.Join(", ", mine.GetProperty("allowedIps").EnumerateArray().Select(a => a.GetString())));
        Assert.Equal(parsed.Peer["PresharedKey"], mine.GetProperty("presharedKey").GetString());
        Assert.Equal(WireGuardInbounds.NodeKey, parsed.Peer["PublicKey"]);
        Assert.Equal("10.8.0.1", parsed.Interface["DNS"]);

        // The private key is stored encrypted and appears in no other subscription's config.
        byte[] stored = await ScalarAsync<byte[]>(db, "select private_key from wireguard_peers where subscription_id = $1", sub);
        byte[] privateKey = Convert.FromBase64String(parsed.Interface["PrivateKey"]);
        Assert.Equal(-1, stored.AsSpan().IndexOf(privateKey.AsSpan(0, 8)));
        string otherPath = "/s/" + await ScalarAsync<string>(db, "select link_token from subscriptions where id = $1", other);
        foreach (string format in new[] { "wireguard", "singbox", "mihomo", "xray" })
        {
            Assert.DoesNotContain(parsed.Interface["PrivateKey"], await app.GetStringAsync(otherPath + "/" + format), StringComparison.Ordinal);
            Assert.Contains(parsed.Interface["PrivateKey"], await app.GetStringAsync(path + "/" + format), StringComparison.Ordinal);
        }

        // Another node's token sees its own (empty) inbound list, never these peers.
        JsonElement elsewhere = await JsonAsync(await NodeClient(api, await TokenAsync(db, otherNode)).GetAsync("/api/v1/node/sync"), HttpStatusCode.OK);
        Assert.Equal(otherNode, elsewhere.GetProperty("nodeId").GetGuid());
        Assert.Empty(elsewhere.GetProperty("inbounds").EnumerateArray());
    }

    [Fact]
    public async Task GetNodeSync_WireGuardPeers_304UntilAPeerComesOrGoes()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetNodeSync_WireGuardPeers_304UntilAPeerComesOrGoes), Settings);
        await using NpgsqlDataSource db = api.OpenDataSource();
        HttpClient staff = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        Guid node = await NodeAsync(db);
        Guid inbound = await CreateInboundAsync(staff, node, new { public_key = WireGuardInbounds.NodeKey, ipv6_pool = "fd09::/120" });
        (Guid sub, _) = await SubscriptionAsync(db, await UserAsync(db));
        HttpClient nodeClient = NodeClient(api, await TokenAsync(db, node));
        HttpResponseMessage first = await nodeClient.GetAsync("/api/v1/node/sync");
        EntityTagHeaderValue etag = first.Headers.ETag!;
        Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(nodeClient, etag)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsync($"/api/v1/subscriptions/{sub}/inbounds/{inbound}", null)).StatusCode);
        HttpResponseMessage withPeer = await GetAsync(nodeClient, etag);
        Assert.Equal(HttpStatusCode.OK, withPeer.StatusCode);
        JsonElement peer = Assert.Single((await JsonAsync(withPeer, HttpStatusCode.OK)).GetProperty("inbounds")[0].GetProperty("wireGuard").GetProperty("peers").EnumerateArray());
        Assert.Equal(["fd09::2/128"], peer.GetProperty("allowedIps").EnumerateArray().Select(a => a.GetString()));
        Assert.False(peer.TryGetProperty("presharedKey", out _));
        Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(nodeClient, withPeer.Headers.ETag!)).StatusCode);

        await ExecAsync(db, "update subscriptions set is_suspended = true where id = $1", sub);
        HttpResponseMessage suspended = await GetAsync(nodeClient, withPeer.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        Assert.Empty((await JsonAsync(suspended, HttpStatusCode.OK)).GetProperty("inbounds")[0].GetProperty("wireGuard").GetProperty("peers").EnumerateArray());
    }

    [Fact]
    public async Task GetConfig_WireGuardOverLimitOrBeyondDeviceLimit_IsTheWireGuardStub()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_WireGuardOverLimitOrBeyondDeviceLimit_IsTheWireGuardStub), Settings);
        await using NpgsqlDataSource db = api.OpenDataSource();
        HttpClient staff = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        Guid inbound = await CreateInboundAsync(staff, await NodeAsync(db), new { public_key = WireGuardInbounds.NodeKey, ipv4_pool = "10.10.0.0/24" });
        (Guid sub, _) = await SubscriptionAsync(db, await UserAsync(db));
        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsync($"/api/v1/subscriptions/{sub}/inbounds/{inbound}", null)).StatusCode);
        await ExecAsync(db, "update subscriptions set device_limit = 1 where id = $1", sub);
        string path = "/s/" + await ScalarAsync<string>(db, "select link_token from subscriptions where id = $1", sub) + "/wireguard";
        HttpClient app = api.CreateClient();

        Assert.Equal("[Interface]", (await FetchAsync(app, path, "device-a")).Split('\n')[1]);
        WgQuickChecker.Parsed stub = await WgQuickChecker.CheckAsync(await FetchAsync(app, path, "device-b"));
        Assert.Equal("Device limit reached", stub.Comments[0]);
        Assert.Equal("192.0.2.1:51820", stub.Peer["Endpoint"]);

        // Set before its first fetch: the cache learns of later changes by a notification, asynchronously.
        (Guid over, _) = await SubscriptionAsync(db, await UserAsync(db));
        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsync($"/api/v1/subscriptions/{over}/inbounds/{inbound}", null)).StatusCode);
        await ExecAsync(db, "update subscriptions set is_over_limit = true where id = $1", over);
        string overPath = "/s/" + await ScalarAsync<string>(db, "select link_token from subscriptions where id = $1", over) + "/wireguard";
        Assert.Equal("Traffic limit reached", (await WgQuickChecker.CheckAsync(await FetchAsync(app, overPath, "device-a"))).Comments[0]);
    }

    private static async Task<string> FetchAsync(HttpClient app, string path, string hwid)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("x-hwid", hwid);
        HttpResponseMessage r = await app.SendAsync(request);
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, body);
        return body;
    }

    private static object Request(string tag, object settings)
        => new { tag, host = "wg.example.com", port = 51820, protocol = "wireguard", network = "udp", tls = "none", settings };

    private static async Task<Guid> CreateInboundAsync(HttpClient staff, Guid node, object settings)
        => (await JsonAsync(await staff.PostAsJsonAsync($"/api/v1/nodes/{node}/inbounds", Request("wg", settings)), HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static async Task<int[]> IndexesAsync(NpgsqlDataSource db, Guid inbound)
    {
        await using NpgsqlCommand cmd = db.CreateCommand("select address_index from wireguard_peers where inbound_id = $1 order by 1");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = inbound });
        var indexes = new List<int>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) indexes.Add(r.GetInt32(0));
        return [.. indexes];
    }
}
