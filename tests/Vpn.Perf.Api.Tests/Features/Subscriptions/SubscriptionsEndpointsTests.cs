using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using StackExchange.Redis;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;
using static Vpn.Perf.Api.Tests.Features.AdminTestKit;

namespace Vpn.Perf.Api.Tests.Features.Subscriptions;

[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class SubscriptionsEndpointsTests
{
    [Fact]
    public async Task CreateSubscription_Minimal_DefaultsAnchorSecretAndVersionAndAudits()
    {
        await using var api = await StartAsync(nameof(CreateSubscription_Minimal_DefaultsAnchorSecretAndVersionAndAudits));
        Guid owner = await InsertUserAsync(api, Roles.Customer);
        HttpResponseMessage response = await Operator(api).PostAsJsonAsync("/api/v1/subscriptions", new { ownerId = owner, title = "Phone" });
        JsonElement created = await JsonAsync(response, HttpStatusCode.Created);
        Guid id = Guid.Parse(created.GetProperty("id").GetString()!);
        Assert.Equal(7, id.Version);
        Assert.Equal($"/api/v1/subscriptions/{id}", response.Headers.Location?.ToString());
        Assert.Equal("\"1\"", response.Headers.ETag?.ToString());
        Assert.Equal(1, created.GetProperty("version").GetInt64());
        Assert.Equal(created.GetProperty("createdAt").GetDateTimeOffset(), created.GetProperty("resetAnchor").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("expiresAt").ValueKind);
        Assert.False(created.TryGetProperty("secret", out _));
        Assert.Equal(0, created.GetProperty("usage").GetProperty("usedBytes").GetInt64());

        string secret = await ScalarAsync<string>(api, "select secret from subscriptions where id = $1", id);
        Assert.True(Guid.TryParse(secret, out Guid parsed) && parsed.Version == 4, secret);
        Assert.True(await ScalarAsync<bool>(api, "select exists (select 1 from state_outbox where subscription_id = $1)", id));
        Assert.Equal(1L, await AuditCountAsync(api, "subscription.create"));
    }

    [Fact]
    public async Task CreateSubscription_InvalidFields_Returns400WithFieldErrors()
    {
        await using var api = await StartAsync(nameof(CreateSubscription_InvalidFields_Returns400WithFieldErrors));
        HttpClient staff = Operator(api);
        await ValidationAsync(await staff.PostAsJsonAsync("/api/v1/subscriptions", new { title = "x" }), "ownerId");
        await ValidationAsync(await staff.PostAsJsonAsync("/api/v1/subscriptions",
            new { ownerId = Ids.NewId(), title = new string('t', 201), maxTraffic = -1, maxSpeed = -1, trafficResetPeriod = "P" }),
            "maxSpeed", "maxTraffic", "title", "trafficResetPeriod");
    }

    [Fact]
    public async Task CreateSubscription_UnknownOwner_Returns409ReferenceMissing()
    {
        await using var api = await StartAsync(nameof(CreateSubscription_UnknownOwner_Returns409ReferenceMissing));
        await ProblemAssert.IsAsync(await Operator(api).PostAsJsonAsync("/api/v1/subscriptions", new { ownerId = Ids.NewId() }),
            HttpStatusCode.Conflict, "reference-missing");
    }

    [Fact]
    public async Task GetSubscription_OwnLimitsGroupsAndRedis_ShowsEffectiveLimitsAndLiveUsage()
    {
        await using var api = await StartAsync(nameof(GetSubscription_OwnLimitsGroupsAndRedis_ShowsEffectiveLimitsAndLiveUsage));
        Guid owner = await InsertUserAsync(api, Roles.Customer);
        Guid group = Ids.NewId();
        await ExecAsync(api, "insert into groups (id, name, max_traffic, max_speed) values ($1, 'g', 1000, 2000)", group);
        await ExecAsync(api, "insert into user_groups values ($1, $2)", owner, group);
        DateTimeOffset anchor = DateTimeOffset.UtcNow.AddDays(-45);
        JsonElement created = await PostAsync(Operator(api), "/api/v1/subscriptions",
            new { ownerId = owner, maxSpeed = 10L, trafficResetPeriod = "P30D", resetAnchor = anchor }, HttpStatusCode.Created);
        Guid id = Guid.Parse(created.GetProperty("id").GetString()!);

        long anchorMs = anchor.ToUnixTimeMilliseconds();
        long periodStart = ResetPeriod.Parse("P30D").PeriodStart(anchorMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        string key = RedisKeys.Usage(id, periodStart, Buckets.DefaultCount);
        await redis.StringSetAsync(key, "123456");
        try
        {
            JsonElement read = await JsonAsync(await api.ClientAs(owner, Roles.Customer).GetAsync($"/api/v1/subscriptions/{id}"), HttpStatusCode.OK);
            JsonElement effective = read.GetProperty("effective");
            Assert.Equal(1000, effective.GetProperty("maxTraffic").GetInt64()); // from the group
            Assert.Equal(10, effective.GetProperty("maxSpeed").GetInt64());     // its own value wins
            Assert.Equal("P30D", effective.GetProperty("trafficResetPeriod").GetString());
            Assert.Equal(123456, read.GetProperty("usage").GetProperty("usedBytes").GetInt64());
            Assert.Equal(periodStart, read.GetProperty("usage").GetProperty("periodStart").GetDateTimeOffset().ToUnixTimeMilliseconds());

            JsonElement page = await JsonAsync(await Operator(api).GetAsync($"/api/v1/subscriptions?owner={owner}"), HttpStatusCode.OK);
            Assert.Equal(123456, Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("usage").GetProperty("usedBytes").GetInt64());
        }
        finally
        {
            await redis.KeyDeleteAsync(key);
        }
    }

    [Fact]
    public async Task GetSubscription_AnotherCustomersOrUnknown_Returns404()
    {
        await using var api = await StartAsync(nameof(GetSubscription_AnotherCustomersOrUnknown_Returns404));
        Guid alice = await InsertUserAsync(api, Roles.Customer);
        Guid bob = await InsertUserAsync(api, Roles.Customer);
        Guid alices = await SubscriptionSeed.InsertAsync(api, alice);
        await JsonAsync(await api.ClientAs(alice, Roles.Customer).GetAsync($"/api/v1/subscriptions/{alices}"), HttpStatusCode.OK);
        await ProblemAssert.IsAsync(await api.ClientAs(bob, Roles.Customer).GetAsync($"/api/v1/subscriptions/{alices}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await Operator(api).GetAsync($"/api/v1/subscriptions/{Ids.NewId()}"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task UpdateSubscription_VersionGuard_AppliesOnceAndRefusesStale()
    {
        await using var api = await StartAsync(nameof(UpdateSubscription_VersionGuard_AppliesOnceAndRefusesStale));
        Guid owner = await InsertUserAsync(api, Roles.Customer);
        Guid id = await SubscriptionSeed.InsertAsync(api, owner, title: "old");
        HttpClient staff = Operator(api);
        HttpResponseMessage read = await staff.GetAsync($"/api/v1/subscriptions/{id}");
        Assert.Equal("\"1\"", read.Headers.ETag?.ToString());
        DateTimeOffset expires = new(2030, 1, 31, 0, 0, 0, TimeSpan.Zero);

        var put = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/subscriptions/{id}")
        {
            Content = JsonContent.Create(new { title = "new", expiresAt = expires, maxTraffic = 5_000L, trafficResetPeriod = "P1M" }),
        };
        put.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        HttpResponseMessage ok = await staff.SendAsync(put);
        JsonElement updated = await JsonAsync(ok, HttpStatusCode.OK);
        Assert.Equal("\"2\"", ok.Headers.ETag?.ToString());
        Assert.Equal("new", updated.GetProperty("title").GetString());
        Assert.Equal(expires, updated.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(5_000, updated.GetProperty("effective").GetProperty("maxTraffic").GetInt64());
        Assert.Equal(owner.ToString(), updated.GetProperty("ownerId").GetString()); // a null owner keeps the owner

        await ProblemAssert.IsAsync(await staff.PutAsJsonAsync($"/api/v1/subscriptions/{id}", new { title = "lost", version = 1 }),
            HttpStatusCode.PreconditionFailed, "stale-version");
        Assert.Equal("new", await ScalarAsync<string>(api, "select title from subscriptions where id = $1", id));
        await JsonAsync(await staff.PutAsJsonAsync($"/api/v1/subscriptions/{id}", new { title = "by field", version = 2 }), HttpStatusCode.OK);
        Assert.Equal(2L, await AuditCountAsync(api, "subscription.update"));

        await ValidationAsync(await staff.PutAsJsonAsync($"/api/v1/subscriptions/{id}", new { title = "no version" }), "version");
        await ValidationAsync(await staff.PutAsJsonAsync($"/api/v1/subscriptions/{id}", new { maxTraffic = -1, trafficResetPeriod = "30 days", version = 3 }),
            "maxTraffic", "trafficResetPeriod");
        await ProblemAssert.IsAsync(await staff.PutAsJsonAsync($"/api/v1/subscriptions/{Ids.NewId()}", new { version = 1 }),
            HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.PutAsJsonAsync($"/api/v1/subscriptions/{id}", new { ownerId = Ids.NewId(), version = 3 }),
            HttpStatusCode.Conflict, "reference-missing");
    }

    [Fact]
    public async Task SuspendAndResume_ChangeTheFlag_StaleIfMatchIs412()
    {
        await using var api = await StartAsync(nameof(SuspendAndResume_ChangeTheFlag_StaleIfMatchIs412));
        Guid id = await SubscriptionSeed.InsertAsync(api, await InsertUserAsync(api, Roles.Customer));
        HttpClient staff = Operator(api);
        await ExecAsync(api, "delete from state_outbox");

        JsonElement suspended = await PostAsync(staff, $"/api/v1/subscriptions/{id}/suspend", new { }, HttpStatusCode.OK);
        Assert.True(suspended.GetProperty("isSuspended").GetBoolean());
        Assert.Equal(2, suspended.GetProperty("version").GetInt64());
        Assert.True(await ScalarAsync<bool>(api, "select exists (select 1 from state_outbox where subscription_id = $1)", id));

        var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/subscriptions/{id}/resume");
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"1\""));
        await ProblemAssert.IsAsync(await staff.SendAsync(stale), HttpStatusCode.PreconditionFailed, "stale-version");

        var current = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/subscriptions/{id}/resume");
        current.Headers.IfMatch.Add(new EntityTagHeaderValue("\"2\""));
        JsonElement resumed = await JsonAsync(await staff.SendAsync(current), HttpStatusCode.OK);
        Assert.False(resumed.GetProperty("isSuspended").GetBoolean());
        Assert.Equal(1L, await AuditCountAsync(api, "subscription.suspend"));
        Assert.Equal(1L, await AuditCountAsync(api, "subscription.resume"));

        var garbage = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/subscriptions/{id}/suspend");
        garbage.Headers.TryAddWithoutValidation("If-Match", "\"abc\"");
        await ValidationAsync(await staff.SendAsync(garbage), "If-Match");
        await ProblemAssert.IsAsync(await staff.PostAsync($"/api/v1/subscriptions/{Ids.NewId()}/suspend", null), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.PostAsync($"/api/v1/subscriptions/{Ids.NewId()}/resume", null), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task ResetSubscriptionUsage_DeletesTheCurrentPeriodKeyAndClearsOverLimit()
    {
        await using var api = await StartAsync(nameof(ResetSubscriptionUsage_DeletesTheCurrentPeriodKeyAndClearsOverLimit));
        Guid owner = await InsertUserAsync(api, Roles.Customer);
        DateTimeOffset anchor = DateTimeOffset.UtcNow.AddDays(-40);
        Guid id = await SubscriptionSeed.InsertAsync(api, owner, overLimit: true, period: "P1M", anchor: anchor);
        long start = ResetPeriod.Parse("P1M").PeriodStart(anchor.ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        string current = RedisKeys.Usage(id, start, Buckets.DefaultCount);
        string previous = RedisKeys.Usage(id, anchor.ToUnixTimeMilliseconds(), Buckets.DefaultCount);
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        await redis.StringSetAsync(current, "999");
        await redis.StringSetAsync(previous, "5");
        try
        {
            JsonElement reset = await PostAsync(Operator(api), $"/api/v1/subscriptions/{id}/reset-usage", new { }, HttpStatusCode.OK);
            Assert.False(reset.GetProperty("isOverLimit").GetBoolean());
            Assert.Equal(0, reset.GetProperty("usage").GetProperty("usedBytes").GetInt64());
            Assert.Null((string?)await redis.StringGetAsync(current));
            Assert.Equal("5", (string?)await redis.StringGetAsync(previous)); // only the current period
            Assert.Equal(1L, await AuditCountAsync(api, "subscription.reset_usage"));
            await ProblemAssert.IsAsync(await Operator(api).PostAsync($"/api/v1/subscriptions/{Ids.NewId()}/reset-usage", null),
                HttpStatusCode.NotFound, "not-found");
        }
        finally
        {
            await redis.KeyDeleteAsync([current, previous]);
        }
    }

    [Fact]
    public async Task DeleteSubscription_WithStaleOrCurrentVersion_Returns412Then204Then404()
    {
        await using var api = await StartAsync(nameof(DeleteSubscription_WithStaleOrCurrentVersion_Returns412Then204Then404));
        Guid id = await SubscriptionSeed.InsertAsync(api, await InsertUserAsync(api, Roles.Customer));
        await ExecAsync(api, "update subscriptions set version = 4 where id = $1", id);
        HttpClient staff = Operator(api);

        var stale = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/subscriptions/{id}");
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"3\""));
        await ProblemAssert.IsAsync(await staff.SendAsync(stale), HttpStatusCode.PreconditionFailed, "stale-version");
        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/v1/subscriptions/{id}")).StatusCode);
        await ProblemAssert.IsAsync(await staff.GetAsync($"/api/v1/subscriptions/{id}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.DeleteAsync($"/api/v1/subscriptions/{id}"), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(1L, await AuditCountAsync(api, "subscription.delete"));
    }

    [Fact]
    public async Task SubscriptionEndpoints_AnonymousOrCustomer_AreRefused()
    {
        await using var api = await StartAsync(nameof(SubscriptionEndpoints_AnonymousOrCustomer_AreRefused));
        string id = Ids.NewId().ToString();
        string[] bulk = ["extend", "suspend", "resume", "reset-usage", "delete"];
        await RefusedAsync(api, Roles.Customer,
        [
            (HttpMethod.Post, "/api/v1/subscriptions"), (HttpMethod.Put, $"/api/v1/subscriptions/{id}"),
            (HttpMethod.Post, $"/api/v1/subscriptions/{id}/suspend"), (HttpMethod.Post, $"/api/v1/subscriptions/{id}/resume"),
            (HttpMethod.Post, $"/api/v1/subscriptions/{id}/reset-usage"), (HttpMethod.Delete, $"/api/v1/subscriptions/{id}"),
            .. bulk.Select(b => (HttpMethod.Post, $"/api/v1/subscriptions/bulk/{b}")),
        ]);
        // Listing and reading are open to every signed-in user (customers see their own) but not to anonymous callers.
        HttpClient anonymous = api.CreateClient();
        await ProblemAssert.IsAsync(await anonymous.GetAsync("/api/v1/subscriptions"), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsAsync(await anonymous.GetAsync($"/api/v1/subscriptions/{id}"), HttpStatusCode.Unauthorized, "unauthenticated");
        await JsonAsync(await api.ClientAs(Ids.NewId(), Roles.Customer).GetAsync("/api/v1/subscriptions"), HttpStatusCode.OK);
    }
}
