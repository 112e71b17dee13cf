using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Features.Devices;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Api.Tests.SingBox;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Features.Configs;

[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class ConfigEndpointTests
{
    private static readonly DateTimeOffset Anchor = DateTimeOffset.Parse("2025-01-31T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task GetConfig_Anonymous_RendersActiveLinkedInboundsWithAppHeaders()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_Anonymous_RendersActiveLinkedInboundsWithAppHeaders));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid owner = await seed.UserAsync();
        await seed.ExecAsync("insert into groups (id, name, max_traffic) values ($1, 'g', 5000000)", Ids.NewId());
        await seed.ExecAsync("insert into user_groups select $1, id from groups", owner);
        Guid node = await seed.NodeAsync("nl-1");
        Guid reality = await seed.InboundAsync(node, "reality", "vless", "tcp", "reality", ConfigSeed.RealitySettings);
        Guid ws = await seed.InboundAsync(node, "trojan-ws", "trojan", "ws", "tls", """{"path":"/t","host_header":"cdn.example.com"}""");
        Guid inactive = await seed.InboundAsync(node, "off", "trojan", "tcp", "tls", "{}", active: false);
        await seed.InboundAsync(node, "unlinked", "trojan", "tcp", "tls", "{}");
        Guid sid = await seed.SubscriptionAsync(owner, "Ünïcode plan");
        await seed.LinkAsync(sid, reality, ws, inactive);
        var expires = new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await seed.ExecAsync("update subscriptions set expires_at = $2 where id = $1", sid, expires);
        string path = await PathOfAsync(api.Services, seed, sid);

        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        string usageKey = RedisKeys.Usage(sid, ResetPeriod.Parse("P1M").PeriodStart(Anchor.ToUnixTimeMilliseconds(), nowMs), Buckets.DefaultCount);
        await redis.StringSetAsync(usageKey, "123456");
        try
        {
            HttpClient client = SingBoxClient(api);
            // The Api's own Redis connection comes up in the background; until then the header is left out.
            await EventuallyAsync(async () => Header(await client.GetAsync(path), "subscription-userinfo").Length > 0, "Redis is connected");
            HttpResponseMessage r = await client.GetAsync(path);
            string body = await r.Content.ReadAsStringAsync();
            Assert.True(r.StatusCode == HttpStatusCode.OK, body);
            Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType);
            using JsonDocument doc = JsonDocument.Parse(body);
            Assert.Empty(SingBoxConfigChecker.Check(doc.RootElement));
            Assert.Equal(["proxy", "auto", "nl-1-reality", "nl-1-trojan-ws", "direct"],
                doc.RootElement.GetProperty("outbounds").EnumerateArray().Select(o => o.GetProperty("tag").GetString()));

            Assert.Equal($"upload=0; download=123456; total=5000000; expire={expires.ToUnixTimeSeconds()}", Header(r, "subscription-userinfo"));
            Assert.Equal("12", Header(r, "profile-update-interval"));
            Assert.Equal("base64:" + Convert.ToBase64String(Encoding.UTF8.GetBytes("Ünïcode plan")), Header(r, "profile-title"));
            Assert.Equal("attachment; filename=\"ncode-plan.json\"", r.Content.Headers.ContentDisposition?.ToString());
            Assert.NotNull(r.Headers.ETag);
            Assert.False(r.Headers.ETag.IsWeak);
        }
        finally
        {
            await redis.KeyDeleteAsync(usageKey);
        }
    }

    [Fact]
    public async Task GetConfig_IfNoneMatchWithCurrentETag_Answers304AndAnotherTag200()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_IfNoneMatchWithCurrentETag_Answers304AndAnotherTag200));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        string path = await PathOfAsync(api.Services, seed, await OneInboundSubscriptionAsync(seed));
        HttpClient client = SingBoxClient(api);
        HttpResponseMessage first = await client.GetAsync(path);
        EntityTagHeaderValue etag = first.Headers.ETag!;

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"other\""));
        again.Headers.IfNoneMatch.Add(etag);
        HttpResponseMessage notModified = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var stale = new HttpRequestMessage(HttpMethod.Get, path);
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"stale\""));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(stale)).StatusCode);
    }

    [Fact]
    public async Task GetConfig_SuspendedOrOwnerDisabled_Is403Suspended()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_SuspendedOrOwnerDisabled_Is403Suspended));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid suspended = await OneInboundSubscriptionAsync(seed);
        await seed.ExecAsync("update subscriptions set is_suspended = true where id = $1", suspended);
        Guid ownerDisabled = await OneInboundSubscriptionAsync(seed);
        await seed.ExecAsync("update users set disabled = true where id = (select owner_id from subscriptions where id = $1)", ownerDisabled);

        HttpClient client = SingBoxClient(api);
        await ProblemAssert.IsAsync(await client.GetAsync(await PathOfAsync(api.Services, seed, suspended)), HttpStatusCode.Forbidden, "subscription-suspended");
        await ProblemAssert.IsAsync(await client.GetAsync(await PathOfAsync(api.Services, seed, ownerDisabled)), HttpStatusCode.Forbidden, "subscription-suspended");
    }

    [Fact]
    public async Task GetConfig_ExpiresWhileCached_Is403ExpiredWithoutAnyChange()
    {
        var time = new MutableTime(DateTimeOffset.UtcNow);
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_ExpiresWhileCached_Is403ExpiredWithoutAnyChange));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid sid = await OneInboundSubscriptionAsync(seed);
        await seed.ExecAsync("update subscriptions set expires_at = $2 where id = $1", sid, time.GetUtcNow().AddHours(1));
        Guid past = await OneInboundSubscriptionAsync(seed);
        await seed.ExecAsync("update subscriptions set expires_at = $2 where id = $1", past, time.GetUtcNow().AddSeconds(-1));

        var factory = api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(time)));
        HttpClient client = factory.CreateClient();
        await WaitListeningAsync(factory.Services);
        await DrainNotificationsAsync(factory.Services, seed);
        string path = await PathOfAsync(factory.Services, seed, sid);
        await ProblemAssert.IsAsync(await client.GetAsync(await PathOfAsync(factory.Services, seed, past)), HttpStatusCode.Forbidden, "subscription-expired");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
        Assert.True(factory.Services.GetRequiredService<ConfigCache>().TryGet(sid, out _), "the config should be cached");

        time.Advance(TimeSpan.FromHours(2));
        await ProblemAssert.IsAsync(await client.GetAsync(path), HttpStatusCode.Forbidden, "subscription-expired");
    }

    [Fact]
    public async Task GetConfig_OverLimit_IsTheStubThatConnectsNowhere()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_OverLimit_IsTheStubThatConnectsNowhere));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid sid = await OneInboundSubscriptionAsync(seed);
        await seed.ExecAsync("update subscriptions set is_over_limit = true, max_traffic = 1000 where id = $1", sid);

        HttpResponseMessage r = await SingBoxClient(api).GetAsync(await PathOfAsync(api.Services, seed, sid));
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using JsonDocument doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Empty(SingBoxConfigChecker.Check(doc.RootElement));
        Assert.Equal("block", Assert.Single(doc.RootElement.GetProperty("outbounds").EnumerateArray()).GetProperty("type").GetString());
        Assert.Equal("block", doc.RootElement.GetProperty("route").GetProperty("final").GetString());
        Assert.StartsWith("upload=0; download=0; total=1000; expire=0", Header(r, "subscription-userinfo"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetConfig_UnknownRotatedOrMalformedToken_SameNotFoundProblem()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_UnknownRotatedOrMalformedToken_SameNotFoundProblem));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        HttpClient client = SingBoxClient(api);
        Guid sid = await OneInboundSubscriptionAsync(seed);
        string rotated = await PathOfAsync(api.Services, seed, sid);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(rotated)).StatusCode);
        await seed.ExecAsync("update subscriptions set link_token = new_link_token() where id = $1", sid);
        string current = await PathOfAsync(api.Services, seed, sid);

        string[] paths = [rotated, "/s/" + new string('A', LinkToken.Length), "/s/" + await seed.ScalarAsync<string>("select new_link_token()"),
            "/s/" + sid, "/s/not-a-token", "/s/%27%3Bdrop", "/s/" + new string('x', 300), "/s/" + current[3..^1], "/s/" + current[3..^1] + "%2B", "/s/" + current[3..] + "%3D"];
        var bodies = new List<string>();
        foreach (string path in paths)
        {
            JsonElement problem = await ProblemAssert.IsAsync(await client.GetAsync(path), HttpStatusCode.NotFound, "not-found");
            bodies.Add(WithoutRequestFields(problem));
        }
        Assert.Single(bodies.Distinct());
        Assert.DoesNotContain("not-a-token", bodies[0], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(current)).StatusCode);
    }

    [Fact]
    public async Task GetConfig_SubscriptionInsertedAfterStart_IsServedOnceNotified()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_SubscriptionInsertedAfterStart_IsServedOnceNotified));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        HttpClient client = SingBoxClient(api);
        await WaitListeningAsync(api.Services);
        Guid sid = await OneInboundSubscriptionAsync(seed);
        string token = await seed.ScalarAsync<string>("select link_token from subscriptions where id = $1", sid);
        await EventuallyAsync(async () => (await client.GetAsync("/s/" + token)).StatusCode == HttpStatusCode.OK, "the new subscription is served");
    }

    [Fact]
    public async Task GetConfig_EveryRenderingChangeInPostgres_ReachesTheCachedConfig()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_EveryRenderingChangeInPostgres_ReachesTheCachedConfig));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        HttpClient client = SingBoxClient(api);
        await WaitListeningAsync(api.Services);
        Guid owner = await seed.UserAsync();
        Guid node = await seed.NodeAsync("nl-1");
        Guid inbound = await seed.InboundAsync(node, "t", "trojan", "tcp", "tls", "{}");
        Guid sid = await seed.SubscriptionAsync(owner);
        await seed.LinkAsync(sid, inbound);
        ConfigCache cache = api.Services.GetRequiredService<ConfigCache>();
        string path = await PathOfAsync(api.Services, seed, sid);

        async Task FetchCachedAsync()
        {
            await DrainNotificationsAsync(api.Services, seed);
            await client.GetStringAsync(path);
            Assert.True(cache.TryGet(sid, out _), "the fetch should have been cached");
        }

        async Task ExpectAsync(string sql, Func<string, bool> rendered, string what, params object[] args)
        {
            await FetchCachedAsync();
            await seed.ExecAsync(sql, args);
            await EventuallyAsync(async () =>
            {
                HttpResponseMessage r = await client.GetAsync(path);
                return r.IsSuccessStatusCode && rendered(await r.Content.ReadAsStringAsync());
            }, what);
        }

        await ExpectAsync("update inbounds set port = 8443", b => b.Contains("\"server_port\":8443", StringComparison.Ordinal), "inbound change");
        await ExpectAsync("update inbounds set settings = '{\"server_name\":\"sni.example.com\"}'", b => b.Contains("sni.example.com", StringComparison.Ordinal), "settings change");
        await ExpectAsync("update nodes set name = 'de-1'", b => b.Contains("de-1-t", StringComparison.Ordinal), "node rename");
        Guid second = await seed.InboundAsync(node, "ss", "shadowsocks", "tcp", "none", """{"method":"aes-128-gcm"}""");
        await ExpectAsync("insert into subscription_inbounds values ($1, $2)", b => b.Contains("de-1-ss", StringComparison.Ordinal), "new link", sid, second);
        await ExpectAsync("update inbounds set is_active = false where id = $1", b => !b.Contains("de-1-ss", StringComparison.Ordinal), "deactivation", second);
        await ExpectAsync("update config_templates set body = replace(body::text, '\"warn\"', '\"error\"')::json, version = version + 1",
            b => b.Contains("\"level\":\"error\"", StringComparison.Ordinal), "template change");
        await ExpectAsync("update subscriptions set is_over_limit = true", b => b.Contains("\"final\":\"block\"", StringComparison.Ordinal), "over limit");

        await FetchCachedAsync();
        await seed.ExecAsync("update subscriptions set is_suspended = true");
        await EventuallyAsync(async () => (await client.GetAsync(path)).StatusCode == HttpStatusCode.Forbidden, "suspension");
        await seed.ExecAsync("delete from subscriptions");
        await EventuallyAsync(async () => (await client.GetAsync(path)).StatusCode == HttpStatusCode.NotFound, "deletion");
    }

    [Fact]
    public async Task GetConfig_GroupLimitChange_ReachesTheUserInfoHeader()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_GroupLimitChange_ReachesTheUserInfoHeader));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        HttpClient client = SingBoxClient(api);
        await WaitListeningAsync(api.Services);
        Guid sid = await OneInboundSubscriptionAsync(seed);
        string path = await PathOfAsync(api.Services, seed, sid);
        Guid group = Ids.NewId();
        await seed.ExecAsync("insert into groups (id, name, max_traffic) values ($1, 'g', 100)", group);
        await seed.ExecAsync("insert into user_groups select owner_id, $2 from subscriptions where id = $1", sid, group);
        await EventuallyAsync(async () => Header(await client.GetAsync(path), "subscription-userinfo").Contains("total=100;", StringComparison.Ordinal), "membership");
        await seed.ExecAsync("update groups set max_traffic = 200");
        await EventuallyAsync(async () => Header(await client.GetAsync(path), "subscription-userinfo").Contains("total=200;", StringComparison.Ordinal), "group limit");
    }

    [Fact]
    public async Task GetConfig_WarmCache_IsServedWithPostgresUnreachable()
    {
        (ApiFactory api, string role) = await StartAsOwnRoleAsync(nameof(GetConfig_WarmCache_IsServedWithPostgresUnreachable));
        await using ApiFactory owned = api;
        await using NpgsqlDataSource admin = api.OpenDataSource();
        var seed = new ConfigSeed(admin);
        try
        {
            Guid sid = await OneInboundSubscriptionAsync(seed);
            string uncached = await PathOfAsync(api.Services, seed, await OneInboundSubscriptionAsync(seed));
            HttpClient client = SingBoxClient(api);
            await WaitListeningAsync(api.Services);
            await DrainNotificationsAsync(api.Services, seed);
            string path = await PathOfAsync(api.Services, seed, sid);
            HttpResponseMessage warm = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
            byte[] expected = await warm.Content.ReadAsByteArrayAsync();
            Assert.True(api.Services.GetRequiredService<ConfigCache>().TryGet(sid, out _), "the fetch should have been cached");

            await CutOffAsync(seed, role);

            HttpResponseMessage cached = await client.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
            Assert.Equal(expected, await cached.Content.ReadAsByteArrayAsync());
            Assert.True(api.Services.GetRequiredService<ConfigCache>().IsListening);

            // The control: anything that does need Postgres now fails (a known token whose config is not cached).
            HttpResponseMessage cold = await client.GetAsync(uncached);
            Assert.Equal(HttpStatusCode.InternalServerError, cold.StatusCode);
        }
        finally
        {
            await seed.ExecAsync($"alter role {role} login");
        }
    }

    [Fact]
    public async Task GetConfig_UnknownOrRotatedToken_IsAnsweredWithPostgresUnreachable()
    {
        (ApiFactory api, string role) = await StartAsOwnRoleAsync(nameof(GetConfig_UnknownOrRotatedToken_IsAnsweredWithPostgresUnreachable));
        await using ApiFactory owned = api;
        await using NpgsqlDataSource admin = api.OpenDataSource();
        var seed = new ConfigSeed(admin);
        try
        {
            Guid sid = await OneInboundSubscriptionAsync(seed);
            string rotated = await PathOfAsync(api.Services, seed, sid);
            await seed.ExecAsync("update subscriptions set link_token = new_link_token() where id = $1", sid);
            string current = await PathOfAsync(api.Services, seed, sid);
            HttpClient client = SingBoxClient(api);
            await CutOffAsync(seed, role);

            // Neither can reach Postgres now: both are answered from the token index alone, with the same body.
            string unknown = "/s/" + await seed.ScalarAsync<string>("select new_link_token()");
            var bodies = new List<string>();
            foreach (string path in new[] { unknown, rotated, "/s/not-a-token" })
            {
                JsonElement problem = await ProblemAssert.IsAsync(await client.GetAsync(path), HttpStatusCode.NotFound, "not-found");
                bodies.Add(WithoutRequestFields(problem));
            }
            Assert.Single(bodies.Distinct());
            Assert.True(api.Services.GetRequiredService<ConfigCache>().IsListening);

            // The control: the current token's config is not cached, so it does need Postgres, and fails.
            Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync(current)).StatusCode);
        }
        finally
        {
            await seed.ExecAsync($"alter role {role} login");
        }
    }

    [Fact]
    public async Task GetConfig_ListenConnectionLost_CacheIsDroppedAndRefilled()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfig_ListenConnectionLost_CacheIsDroppedAndRefilled));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        HttpClient client = SingBoxClient(api);
        await WaitListeningAsync(api.Services);
        Guid sid = await OneInboundSubscriptionAsync(seed);
        await DrainNotificationsAsync(api.Services, seed);
        string path = await PathOfAsync(api.Services, seed, sid);
        Assert.Contains("\"server_port\":443", await client.GetStringAsync(path), StringComparison.Ordinal);
        Assert.True(api.Services.GetRequiredService<ConfigCache>().TryGet(sid, out _), "the fetch should have been cached");

        // A change the listener cannot hear about: only a reconnect's clean slate can bring it in.
        await seed.ExecAsync("alter table inbounds disable trigger inbounds_config_upd");
        await seed.ExecAsync("update inbounds set port = 9443");
        await seed.ExecAsync("alter table inbounds enable trigger inbounds_config_upd");
        Assert.Contains("\"server_port\":443", await client.GetStringAsync(path), StringComparison.Ordinal);

        await seed.ExecAsync($"select pg_terminate_backend(pid) from pg_stat_activity where application_name = '{ConfigChangeListener.ApplicationName}' and datname = current_database()");
        await EventuallyAsync(async () => (await client.GetStringAsync(path)).Contains("\"server_port\":9443", StringComparison.Ordinal), "refill after reconnect");
        await WaitListeningAsync(api.Services);
    }

    [Fact]
    public async Task DefaultTemplate_InsertedByTheMigration_EqualsTheShippedOne()
    {
        await using var api = await ApiFactory.StartAsync(nameof(DefaultTemplate_InsertedByTheMigration_EqualsTheShippedOne));
        await using NpgsqlDataSource db = api.OpenDataSource();
        string stored = await new ConfigSeed(db).ScalarAsync<string>("select body::text from config_templates where id = 1");
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(stored).RootElement, JsonDocument.Parse(Vpn.Perf.Api.SingBox.DefaultConfigTemplate.Json).RootElement));
    }

    /// <summary>An Api that logs in as a role of its own, so access can be taken away from it and from nobody else.</summary>
    internal static async Task<(ApiFactory, string)> StartAsOwnRoleAsync(string name)
    {
        string cs = await TestServers.CreateDatabaseAsync(name);
        string role = new NpgsqlConnectionStringBuilder(cs).Database + "_api";
        string apiCs = new NpgsqlConnectionStringBuilder(cs) { Username = role, Pooling = true }.ConnectionString;
        ApiFactory api = await ApiFactory.StartAsync(name, new Dictionary<string, string?> { ["ConnectionStrings:Postgres"] = apiCs });
        await using NpgsqlDataSource admin = api.OpenDataSource();
        var seed = new ConfigSeed(admin);
        await seed.ExecAsync($"drop role if exists {role}");
        await seed.ExecAsync($"""
            create role {role} login;
            grant select, insert, update, delete on all tables in schema public to {role};
            grant execute on all functions in schema public to {role};
            """);
        return (api, role);
    }

    /// <summary>No new logins, and every pooled connection of the Api killed; only the LISTEN connection stays.</summary>
    internal static async Task CutOffAsync(ConfigSeed seed, string role)
    {
        await seed.ExecAsync($"alter role {role} nologin");
        await seed.ExecAsync($"""
            select pg_terminate_backend(pid) from pg_stat_activity
            where usename = '{role}' and application_name <> '{ConfigChangeListener.ApplicationName}'
            """);
    }

    internal static async Task<Guid> OneInboundSubscriptionAsync(ConfigSeed seed)
    {
        Guid owner = await seed.UserAsync();
        Guid node = await seed.NodeAsync("node-" + Guid.NewGuid().ToString("N")[..8]);
        Guid inbound = await seed.InboundAsync(node, "vless", "vless", "tcp", "reality", ConfigSeed.RealitySettings);
        Guid sid = await seed.SubscriptionAsync(owner);
        await seed.LinkAsync(sid, inbound);
        return sid;
    }

    /// <summary>
    /// Waits until the listener has handled every notification committed so far (seed rows notify too, and a late one
    /// would evict what a test just cached): a marker entry is put in the cache, notified, and seen evicted; the
    /// listener receives notifications in commit order.
    /// </summary>
    internal static async Task DrainNotificationsAsync(IServiceProvider services, ConfigSeed seed)
    {
        await WaitListeningAsync(services);
        ConfigCache cache = services.GetRequiredService<ConfigCache>();
        Guid marker = Ids.NewId();
        cache.Store(marker, new CachedConfig(marker, true, SubscriptionState.Unrestricted, null, "m", "m", "m", DeviceSet.Empty), cache.BeginLoad(marker));
        Assert.True(cache.TryGet(marker, out _), "the marker is cached");
        await seed.ExecAsync("select pg_notify('config_changed', $1)", marker.ToString());
        await EventuallyAsync(() => Task.FromResult(!cache.TryGet(marker, out _)), "the marker's eviction");
    }

    /// <summary>
    /// <c>/s/{token}</c> of a subscription, once this Api's token index has it: rows seeded straight into Postgres
    /// reach the index through their link_changed notification, a moment after the insert.
    /// </summary>
    /// <summary>A client as the sing-box app for Android names itself, so a fetch that names no format gets sing-box JSON.</summary>
    internal static HttpClient SingBoxClient(WebApplicationFactory<Program> api)
    {
        HttpClient client = api.CreateClient();
        client.DefaultRequestHeaders.UserAgent.ParseAdd("SFA/1.12.1");
        return client;
    }

    internal static async Task<string> PathOfAsync(IServiceProvider services, ConfigSeed seed, Guid sid)
    {
        string token = await seed.ScalarAsync<string>("select link_token from subscriptions where id = $1", sid);
        Assert.True(LinkToken.TryParse(token, out LinkToken key), token.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        LinkIndex links = services.GetRequiredService<LinkIndex>();
        await EventuallyAsync(() => Task.FromResult(links.TryGetId(key, out Guid id) && id == sid), "the token is in the index");
        return "/s/" + token;
    }

    /// <summary>A problem body without what differs per request (traceId) and what echoes the path (instance).</summary>
    internal static string WithoutRequestFields(JsonElement problem)
        => JsonSerializer.Serialize(problem.EnumerateObject().Where(p => p.Name is not ("traceId" or "instance")).ToDictionary(p => p.Name, p => p.Value));

    internal static async Task WaitListeningAsync(IServiceProvider services)
    {
        ConfigCache cache = services.GetRequiredService<ConfigCache>();
        await EventuallyAsync(() => Task.FromResult(cache.IsListening), "the config_changed listener is up");
    }

    internal static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for: {what}");
            await Task.Delay(25);
        }
    }

    private static string Header(HttpResponseMessage r, string name)
        => r.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : r.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : "";
}
