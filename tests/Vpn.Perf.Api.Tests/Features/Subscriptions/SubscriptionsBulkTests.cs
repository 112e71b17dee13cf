using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using StackExchange.Redis;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;
using static Vpn.Perf.Api.Tests.Features.AdminTestKit;

namespace Vpn.Perf.Api.Tests.Features.Subscriptions;

[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class SubscriptionsBulkTests
{
    [Fact]
    public async Task BulkSuspendAndResume_OwnerFilter_ChangeExactlyTheFilteredSetWithOneAuditEntry()
    {
        await using var api = await StartAsync(nameof(BulkSuspendAndResume_OwnerFilter_ChangeExactlyTheFilteredSetWithOneAuditEntry));
        Guid a = await InsertUserAsync(api, Roles.Customer);
        Guid b = await InsertUserAsync(api, Roles.Customer);
        for (int i = 0; i < 3; i++) await SubscriptionSeed.InsertAsync(api, a);
        for (int i = 0; i < 2; i++) await SubscriptionSeed.InsertAsync(api, b);
        HttpClient staff = Operator(api);

        JsonElement result = await PostAsync(staff, "/api/v1/subscriptions/bulk/suspend", new { filter = new { owner = a } }, HttpStatusCode.OK);
        Assert.Equal(3, result.GetProperty("affected").GetInt32());
        Assert.Equal(3L, await ScalarAsync<long>(api, "select count(*) from subscriptions where is_suspended and owner_id = $1", a));
        Assert.Equal(0L, await ScalarAsync<long>(api, "select count(*) from subscriptions where is_suspended and owner_id = $1", b));
        Assert.Equal(1L, await AuditCountAsync(api, "subscription.bulk.suspend"));
        Assert.Equal(3, await ScalarAsync<int>(api, "select (meta->>'count')::int from audit_log where action = 'subscription.bulk.suspend'"));
        Assert.Equal(a.ToString(), await ScalarAsync<string>(api, "select meta->'filter'->>'owner' from audit_log where action = 'subscription.bulk.suspend'"));

        result = await PostAsync(staff, "/api/v1/subscriptions/bulk/resume", new { filter = new { suspended = true } }, HttpStatusCode.OK);
        Assert.Equal(3, result.GetProperty("affected").GetInt32());
        Assert.Equal(0L, await ScalarAsync<long>(api, "select count(*) from subscriptions where is_suspended"));
    }

    [Fact]
    public async Task BulkExtend_ByDurationOrToInstant_ExtendsOnlyFilteredSubscriptionsWithAnExpiry()
    {
        await using var api = await StartAsync(nameof(BulkExtend_ByDurationOrToInstant_ExtendsOnlyFilteredSubscriptionsWithAnExpiry));
        Guid a = await InsertUserAsync(api, Roles.Customer);
        Guid b = await InsertUserAsync(api, Roles.Customer);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        DateTimeOffset later = new DateTimeOffset(now.Year + 1, 1, 31, 0, 0, 0, TimeSpan.Zero);
        Guid running = await SubscriptionSeed.InsertAsync(api, a, expiresAt: later);
        Guid lapsed = await SubscriptionSeed.InsertAsync(api, a, expiresAt: now.AddDays(-10));
        Guid perpetual = await SubscriptionSeed.InsertAsync(api, a);
        Guid others = await SubscriptionSeed.InsertAsync(api, b, expiresAt: later);
        HttpClient staff = Operator(api);

        JsonElement result = await PostAsync(staff, "/api/v1/subscriptions/bulk/extend", new { filter = new { owner = a }, by = "P1M" }, HttpStatusCode.OK);
        Assert.Equal(2, result.GetProperty("affected").GetInt32());
        Assert.Equal(later.AddMonths(1), await ExpiryAsync(running)); // calendar month: Jan 31 + P1M = Feb 28/29
        DateTimeOffset fromNow = (await ExpiryAsync(lapsed))!.Value;   // a lapsed one is extended from now
        Assert.InRange(fromNow, now.AddMonths(1).AddMinutes(-1), DateTimeOffset.UtcNow.AddMonths(1).AddMinutes(1));
        Assert.Null(await ExpiryAsync(perpetual));
        Assert.Equal(later, await ExpiryAsync(others));

        DateTimeOffset target = later.AddMonths(6);
        result = await PostAsync(staff, "/api/v1/subscriptions/bulk/extend", new { filter = new { owner = a }, to = target }, HttpStatusCode.OK);
        Assert.Equal(2, result.GetProperty("affected").GetInt32());
        Assert.Equal(target, await ExpiryAsync(running));
        result = await PostAsync(staff, "/api/v1/subscriptions/bulk/extend", new { filter = new { owner = a }, to = later }, HttpStatusCode.OK);
        Assert.Equal(0, result.GetProperty("affected").GetInt32()); // never shortens
        Assert.Equal(3L, await AuditCountAsync(api, "subscription.bulk.extend"));

        await ValidationAsync(await staff.PostAsJsonAsync("/api/v1/subscriptions/bulk/extend", new { filter = new { owner = a }, by = "P1M", to = target }), "by");
        await ValidationAsync(await staff.PostAsJsonAsync("/api/v1/subscriptions/bulk/extend", new { filter = new { owner = a }, by = "1 month" }), "by");
        await ValidationAsync(await staff.PostAsJsonAsync("/api/v1/subscriptions/bulk/extend", new { by = "P1M" }), "filter");

        async Task<DateTimeOffset?> ExpiryAsync(Guid id)
        {
            object value = await ScalarAsync<object>(api, "select expires_at from subscriptions where id = $1", id);
            return value is DateTime t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
        }
    }

    [Fact]
    public async Task BulkResetUsage_OverLimitFilter_DeletesTheirKeysAndClearsTheirFlagsOnly()
    {
        await using var api = await StartAsync(nameof(BulkResetUsage_OverLimitFilter_DeletesTheirKeysAndClearsTheirFlagsOnly));
        Guid a = await InsertUserAsync(api, Roles.Customer);
        Guid b = await InsertUserAsync(api, Roles.Customer);
        var targets = new List<Guid>();
        for (int i = 0; i < 3; i++) targets.Add(await SubscriptionSeed.InsertAsync(api, a, overLimit: true));
        Guid notOver = await SubscriptionSeed.InsertAsync(api, a);
        Guid othersOver = await SubscriptionSeed.InsertAsync(api, b, overLimit: true);
        string[] keys = [.. targets.Append(notOver).Append(othersOver).Select(id => RedisKeys.Usage(id, 0, Buckets.DefaultCount))];
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        foreach (string key in keys) await redis.StringSetAsync(key, "42");
        try
        {
            JsonElement result = await PostAsync(Operator(api), "/api/v1/subscriptions/bulk/reset-usage",
                new { filter = new { owner = a, overLimit = true } }, HttpStatusCode.OK);
            Assert.Equal(3, result.GetProperty("affected").GetInt32());
            for (int i = 0; i < 3; i++) Assert.Null((string?)await redis.StringGetAsync(keys[i]));
            Assert.Equal("42", (string?)await redis.StringGetAsync(keys[3]));
            Assert.Equal("42", (string?)await redis.StringGetAsync(keys[4]));
            Assert.Equal(1L, await ScalarAsync<long>(api, "select count(*) from subscriptions where is_over_limit"));
            Assert.True(await ScalarAsync<bool>(api, "select is_over_limit from subscriptions where id = $1", othersOver));
            Assert.Equal(1L, await AuditCountAsync(api, "subscription.bulk.reset_usage"));
        }
        finally
        {
            // One DEL per key: the keys are in different buckets, and a Cluster refuses a DEL across slots.
            await Task.WhenAll(keys.Select(k => redis.KeyDeleteAsync(k)));
        }
    }

    [Fact]
    public async Task BulkDelete_TitleFilter_DeletesExactlyTheMatchingSubscriptions()
    {
        await using var api = await StartAsync(nameof(BulkDelete_TitleFilter_DeletesExactlyTheMatchingSubscriptions));
        Guid a = await InsertUserAsync(api, Roles.Customer);
        await SubscriptionSeed.InsertAsync(api, a, title: "Trial 1");
        await SubscriptionSeed.InsertAsync(api, a, title: "old trial");
        Guid kept = await SubscriptionSeed.InsertAsync(api, a, title: "Paid");
        JsonElement result = await PostAsync(Superuser(api), "/api/v1/subscriptions/bulk/delete", new { filter = new { q = "trial" } }, HttpStatusCode.OK);
        Assert.Equal(2, result.GetProperty("affected").GetInt32());
        Assert.Equal(kept, await ScalarAsync<Guid>(api, "select id from subscriptions"));
        Assert.Equal(1L, await AuditCountAsync(api, "subscription.bulk.delete"));
    }

    [Fact]
    public async Task BulkOperations_EmptyFilter_Returns400UnlessAllIsExplicit()
    {
        await using var api = await StartAsync(nameof(BulkOperations_EmptyFilter_Returns400UnlessAllIsExplicit));
        Guid a = await InsertUserAsync(api, Roles.Customer);
        await SubscriptionSeed.InsertAsync(api, a);
        await SubscriptionSeed.InsertAsync(api, a);
        HttpClient staff = Operator(api);
        foreach (string op in new[] { "suspend", "resume", "reset-usage", "delete" })
        {
            await ValidationAsync(await staff.PostAsJsonAsync($"/api/v1/subscriptions/bulk/{op}", new { filter = new { } }), "filter");
        }
        await ValidationAsync(await staff.PostAsJsonAsync("/api/v1/subscriptions/bulk/suspend", new { filter = new { owner = a }, all = true }), "all");
        Assert.Equal(0L, await ScalarAsync<long>(api, "select count(*) from audit_log"));
        JsonElement result = await PostAsync(staff, "/api/v1/subscriptions/bulk/suspend", new { all = true }, HttpStatusCode.OK);
        Assert.Equal(2, result.GetProperty("affected").GetInt32());
    }
}
