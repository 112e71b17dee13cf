using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.AdminTestKit;

namespace Vpn.Perf.Api.Tests.Features.Resellers;

/// <summary>
/// Scoped operators (issue 13 §4): a reseller reaches only the customers and subscriptions it created (another's
/// answer 404 on every endpoint), within the quota a superuser sets (409 <c>reseller-quota</c> naming the limit),
/// race-free under concurrent creates; quotas are set by superusers only and audited.
/// </summary>
public sealed class ResellersTests
{
    private static readonly object Unlimited = new { maxSubscriptions = 100, maxTotalTraffic = 1L << 50, allowedPlans = Array.Empty<Guid>(), allowedInbounds = Array.Empty<Guid>() };

    [Fact]
    public async Task Reseller_AnotherResellersUsersSubscriptionsAndDevices_AreAll404AndUnchanged()
    {
        await using var api = await StartAsync(nameof(Reseller_AnotherResellersUsersSubscriptionsAndDevices_AreAll404AndUnchanged));
        HttpClient superuser = Superuser(api);
        Guid a = await InsertUserAsync(api, Roles.Reseller, username: "reseller-a");
        Guid b = await InsertUserAsync(api, Roles.Reseller, username: "reseller-b");
        await SetQuotaAsync(superuser, a, Unlimited);
        await SetQuotaAsync(superuser, b, Unlimited);
        HttpClient resellerA = api.ClientAs(a, Roles.Reseller), resellerB = api.ClientAs(b, Roles.Reseller);
        Guid customerA = await CreateCustomerAsync(resellerA);
        Guid customerB = await CreateCustomerAsync(resellerB);
        Guid subscriptionA = await CreateSubscriptionAsync(resellerA, customerA, 1000);
        Guid subscriptionB = await CreateSubscriptionAsync(resellerB, customerB, 1000);
        Guid inbound = await InsertInboundAsync(api);
        Guid device = Ids.NewId();
        await ExecAsync(api, "insert into devices (id, subscription_id, hwid, first_seen, last_seen) values ($1, $2, 'phone', now(), now())", device, subscriptionB);

        // Lists hold only A's own rows.
        JsonElement users = await JsonAsync(await resellerA.GetAsync("/api/v1/users"), HttpStatusCode.OK);
        Assert.Equal([customerA], users.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("id").GetGuid()));
        Assert.Equal(a, users.GetProperty("items")[0].GetProperty("createdBy").GetGuid());
        JsonElement subscriptions = await JsonAsync(await resellerA.GetAsync("/api/v1/subscriptions"), HttpStatusCode.OK);
        Assert.Equal([subscriptionA], subscriptions.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetGuid()));

        // B's rows answer A exactly like missing ones, on every endpoint.
        string s = $"/api/v1/subscriptions/{subscriptionB}";
        var notFound = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Get, $"/api/v1/users/{customerB}", null),
            (HttpMethod.Patch, $"/api/v1/users/{customerB}", new { disabled = true }),
            (HttpMethod.Delete, $"/api/v1/users/{customerB}", null),
            (HttpMethod.Get, s, null),
            (HttpMethod.Put, s, new { maxTraffic = 10, version = 1 }),
            (HttpMethod.Post, s + "/suspend", null),
            (HttpMethod.Post, s + "/resume", null),
            (HttpMethod.Post, s + "/reset-usage", null),
            (HttpMethod.Post, s + "/rotate-link", null),
            (HttpMethod.Get, s + "/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z", null),
            (HttpMethod.Get, s + "/devices", null),
            (HttpMethod.Delete, s + $"/devices/{device}", null),
            (HttpMethod.Delete, s + "/devices", null),
            (HttpMethod.Get, s + "/inbounds", null),
            (HttpMethod.Put, s + "/inbounds", new { inboundIds = new[] { inbound } }),
            (HttpMethod.Post, s + $"/inbounds/{inbound}", null),
            (HttpMethod.Delete, s + $"/inbounds/{inbound}", null),
            (HttpMethod.Delete, s, null),
            (HttpMethod.Get, $"/api/v1/resellers/{b}/quota", null),
        };
        foreach ((HttpMethod method, string url, object? body) in notFound)
        {
            var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            HttpResponseMessage response = await resellerA.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {url} answered {(int)response.StatusCode} to another reseller.");
            await ProblemAssert.IsAsync(response, HttpStatusCode.NotFound, "not-found");
        }
        // A subscription for B's customer: the customer is missing to A.
        await ProblemAssert.IsAsync(await resellerA.PostAsJsonAsync("/api/v1/subscriptions", new { ownerId = customerB, maxTraffic = 10 }),
            HttpStatusCode.Conflict, "reference-missing");
        // Bulk changes cover only A's own, even with all: true.
        JsonElement bulk = await PostAsync(resellerA, "/api/v1/subscriptions/bulk/suspend", new { all = true }, HttpStatusCode.OK);
        Assert.Equal(1, bulk.GetProperty("affected").GetInt32());

        // Nothing of B's changed.
        Assert.Equal(1L, await ScalarAsync<long>(api, "select count(*) from users where id = $1 and not disabled", customerB));
        Assert.Equal(1L, await ScalarAsync<long>(api, "select version from subscriptions where id = $1 and not is_suspended", subscriptionB));
        Assert.Equal(1L, await ScalarAsync<long>(api, "select count(*) from devices where id = $1", device));
        Assert.True(await ScalarAsync<bool>(api, "select is_suspended from subscriptions where id = $1", subscriptionA));

        // B still reaches its own; an unscoped operator reaches both, as before.
        await JsonAsync(await resellerB.GetAsync(s), HttpStatusCode.OK);
        JsonElement all = await JsonAsync(await Operator(api).GetAsync("/api/v1/subscriptions"), HttpStatusCode.OK);
        Assert.Equal(2, all.GetProperty("items").GetArrayLength());
        // Resellers create customers only and never touch memberships (groups raise limits past the quota).
        await ProblemAssert.IsAsync(await resellerA.PostAsJsonAsync("/api/v1/users", new { username = "op-by-reseller", role = Roles.Operator, password = "correct horse" }),
            HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await resellerA.PutAsync($"/api/v1/users/{customerA}/groups/{Guid.NewGuid()}", null), HttpStatusCode.Forbidden, "forbidden");
        // Every change is A's in the audit log.
        Assert.Equal(3L, await ScalarAsync<long>(api, "select count(*) from audit_log where actor_id = $1 and action in ('user.create', 'subscription.create', 'subscription.bulk.suspend')", a));
    }

    [Fact]
    public async Task CreateSubscription_ResellerQuotas_RefusedWith409NamingTheQuota()
    {
        await using var api = await StartAsync(nameof(CreateSubscription_ResellerQuotas_RefusedWith409NamingTheQuota));
        Guid reseller = await InsertUserAsync(api, Roles.Reseller, username: "quota-reseller");
        Guid allowedInbound = await InsertInboundAsync(api), otherInbound = await InsertInboundAsync(api);
        Guid allowedPlan = await InsertPlanAsync(api, maxTraffic: 30), otherPlan = await InsertPlanAsync(api, maxTraffic: 1);
        await SetQuotaAsync(Superuser(api), reseller,
            new { maxSubscriptions = 3, maxTotalTraffic = 100, allowedPlans = new[] { allowedPlan }, allowedInbounds = new[] { allowedInbound } });
        HttpClient client = api.ClientAs(reseller, Roles.Reseller);
        Guid customer = await CreateCustomerAsync(client);

        Guid first = await CreateSubscriptionAsync(client, customer, 60);
        await QuotaAsync(await client.PostAsJsonAsync("/api/v1/subscriptions", new { ownerId = customer, maxTraffic = 50 }), "maxTotalTraffic", 100, 60);
        // Without a traffic limit it would be unlimited (or the groups'): a reseller must give one.
        await ValidationAsync(await client.PostAsJsonAsync("/api/v1/subscriptions", new { ownerId = customer }), "maxTraffic");
        await QuotaAsync(await client.PostAsJsonAsync("/api/v1/subscriptions", new { ownerId = customer, maxTraffic = 1, planId = otherPlan }), "allowedPlans", null, null);
        // An allowed plan fills the limit the request leaves out, and its duration the expiry.
        JsonElement sold = await PostAsync(client, "/api/v1/subscriptions", new { ownerId = customer, planId = allowedPlan }, HttpStatusCode.Created);
        Assert.Equal(30, sold.GetProperty("maxTraffic").GetInt64());
        Assert.Equal(allowedPlan, sold.GetProperty("planId").GetGuid());
        Assert.Equal(JsonValueKind.String, sold.GetProperty("expiresAt").ValueKind);
        Guid third = await CreateSubscriptionAsync(client, customer, 10);
        await QuotaAsync(await client.PostAsJsonAsync("/api/v1/subscriptions", new { ownerId = customer, maxTraffic = 0 }), "maxSubscriptions", 3, 3);

        // A raised limit counts in place of the old one.
        await QuotaAsync(await client.PutAsJsonAsync($"/api/v1/subscriptions/{first}", new { maxTraffic = 61, version = 1 }), "maxTotalTraffic", 100, 40);
        await JsonAsync(await client.PutAsJsonAsync($"/api/v1/subscriptions/{first}", new { maxTraffic = 60, version = 1 }), HttpStatusCode.OK);
        // Only allowed inbounds link.
        await QuotaAsync(await client.PostAsync($"/api/v1/subscriptions/{first}/inbounds/{otherInbound}", null), "allowedInbounds", null, null);
        await QuotaAsync(await client.PutAsJsonAsync($"/api/v1/subscriptions/{first}/inbounds", new { inboundIds = new[] { allowedInbound, otherInbound } }),
            "allowedInbounds", null, null);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync($"/api/v1/subscriptions/{first}/inbounds/{allowedInbound}", null)).StatusCode);
        // A deleted subscription frees its slot and its traffic.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/subscriptions/{third}")).StatusCode);
        await CreateSubscriptionAsync(client, customer, 10);

        JsonElement quota = await JsonAsync(await client.GetAsync($"/api/v1/resellers/{reseller}/quota"), HttpStatusCode.OK);
        Assert.Equal(3, quota.GetProperty("consumption").GetProperty("subscriptions").GetInt32());
        Assert.Equal(100, quota.GetProperty("consumption").GetProperty("totalTraffic").GetInt64());
        Assert.Equal(1, quota.GetProperty("consumption").GetProperty("customers").GetInt32());
        // A quota lowered below what is used keeps what exists: an edit that does not raise a limit still passes.
        await SetQuotaAsync(Superuser(api), reseller,
            new { maxSubscriptions = 1, maxTotalTraffic = 50, allowedPlans = new[] { allowedPlan }, allowedInbounds = new[] { allowedInbound } });
        long version = (await JsonAsync(await client.GetAsync($"/api/v1/subscriptions/{first}"), HttpStatusCode.OK)).GetProperty("version").GetInt64();
        await JsonAsync(await client.PutAsJsonAsync($"/api/v1/subscriptions/{first}", new { maxTraffic = 60, title = "kept", version }), HttpStatusCode.OK);
        await QuotaAsync(await client.PutAsJsonAsync($"/api/v1/subscriptions/{first}", new { maxTraffic = 61, version = version + 1 }), "maxTotalTraffic", 50, 40);
        // Unscoped operators are not bound by any quota.
        await PostAsync(Operator(api), "/api/v1/subscriptions", new { ownerId = customer, maxTraffic = 1000, planId = otherPlan }, HttpStatusCode.Created);
    }

    [Fact]
    public async Task CreateSubscription_ConcurrentResellerCreatesAtTheLimit_ExactlyTheQuotaSucceed()
    {
        const int Quota = 5, Attempts = 24;
        await using var api = await StartAsync(nameof(CreateSubscription_ConcurrentResellerCreatesAtTheLimit_ExactlyTheQuotaSucceed));
        Guid reseller = await InsertUserAsync(api, Roles.Reseller, username: "racing-reseller");
        await SetQuotaAsync(Superuser(api), reseller,
            new { maxSubscriptions = Quota, maxTotalTraffic = 1L << 40, allowedPlans = Array.Empty<Guid>(), allowedInbounds = Array.Empty<Guid>() });
        HttpClient client = api.ClientAs(reseller, Roles.Reseller);
        Guid customer = await CreateCustomerAsync(client);

        // All at once, each on its own connection: only the quota row's lock keeps them from counting the same slots.
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<HttpResponseMessage>[] creates = [.. Enumerable.Range(0, Attempts).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return await client.PostAsJsonAsync("/api/v1/subscriptions", new { ownerId = customer, maxTraffic = 1 });
        }))];
        start.SetResult();
        HttpResponseMessage[] responses = await Task.WhenAll(creates);

        Assert.Equal(Quota, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (HttpResponseMessage refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            await QuotaAsync(refused, "maxSubscriptions", Quota, Quota);
        }
        Assert.Equal((long)Quota, await ScalarAsync<long>(api, "select count(*) from subscriptions where created_by = $1", reseller));
    }

    [Fact]
    public async Task PutResellerQuota_SuperuserOnlyValidatedAndAudited_ReadWithConsumption()
    {
        await using var api = await StartAsync(nameof(PutResellerQuota_SuperuserOnlyValidatedAndAudited_ReadWithConsumption));
        Guid reseller = await InsertUserAsync(api, Roles.Reseller, username: "new-reseller");
        Guid customer = await InsertUserAsync(api, Roles.Customer);
        HttpClient superuser = Superuser(api), client = api.ClientAs(reseller, Roles.Reseller);
        string url = $"/api/v1/resellers/{reseller}/quota";

        // Never set: a quota of nothing.
        JsonElement none = await JsonAsync(await superuser.GetAsync(url), HttpStatusCode.OK);
        Assert.Equal(0, none.GetProperty("maxSubscriptions").GetInt32());
        Assert.Equal(0, none.GetProperty("version").GetInt64());
        Guid mine = await CreateCustomerAsync(client);
        await QuotaAsync(await client.PostAsJsonAsync("/api/v1/subscriptions", new { ownerId = mine, maxTraffic = 1 }), "maxSubscriptions", 0, 0);

        // Only superusers set quotas; a reseller cannot raise its own.
        await ProblemAssert.IsAsync(await Operator(api).PutAsJsonAsync(url, Unlimited), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await client.PutAsJsonAsync(url, Unlimited), HttpStatusCode.Forbidden, "forbidden");
        await ValidationAsync(await superuser.PutAsJsonAsync(url, new { maxSubscriptions = -1 }), "maxSubscriptions", "maxTotalTraffic", "allowedPlans", "allowedInbounds");
        await ValidationAsync(await superuser.PutAsJsonAsync(url,
            new { maxSubscriptions = 1, maxTotalTraffic = 1, allowedPlans = new[] { Guid.NewGuid() }, allowedInbounds = new[] { Guid.NewGuid() } }),
            "allowedPlans", "allowedInbounds");
        await ProblemAssert.IsAsync(await superuser.PutAsJsonAsync($"/api/v1/resellers/{customer}/quota", Unlimited), HttpStatusCode.NotFound, "not-found");

        Guid inbound = await InsertInboundAsync(api);
        JsonElement set = await JsonAsync(await superuser.PutAsJsonAsync(url,
            new { maxSubscriptions = 2, maxTotalTraffic = 500, allowedPlans = Array.Empty<Guid>(), allowedInbounds = new[] { inbound, inbound } }), HttpStatusCode.OK);
        Assert.Equal(1, set.GetProperty("version").GetInt64());
        Assert.Equal([inbound], set.GetProperty("allowedInbounds").EnumerateArray().Select(i => i.GetGuid()));
        await CreateSubscriptionAsync(client, mine, 200);
        JsonElement read = await JsonAsync(await Operator(api).GetAsync(url), HttpStatusCode.OK);
        Assert.Equal(1, read.GetProperty("consumption").GetProperty("subscriptions").GetInt32());
        Assert.Equal(200, read.GetProperty("consumption").GetProperty("totalTraffic").GetInt64());
        JsonElement again = await JsonAsync(await superuser.PutAsJsonAsync(url, Unlimited), HttpStatusCode.OK);
        Assert.Equal(2, again.GetProperty("version").GetInt64());
        Assert.Equal(2L, await ScalarAsync<long>(api, "select count(*) from audit_log where action = 'reseller.quota.set' and target = $1", "user:" + reseller));
        Assert.Equal(1L, await ScalarAsync<long>(api,
            "select count(*) from audit_log where action = 'reseller.quota.set' and (meta->>'maxSubscriptions')::int = 2 and meta->'allowedInbounds'->>0 = $1", inbound.ToString()));
    }

    private static async Task SetQuotaAsync(HttpClient superuser, Guid reseller, object quota)
        => await JsonAsync(await superuser.PutAsJsonAsync($"/api/v1/resellers/{reseller}/quota", quota), HttpStatusCode.OK);

    private static async Task<Guid> CreateCustomerAsync(HttpClient client)
        => (await PostAsync(client, "/api/v1/users", new { email = $"{Guid.NewGuid():N}@example.com", role = Roles.Customer, password = "correct horse" },
            HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static async Task<Guid> CreateSubscriptionAsync(HttpClient client, Guid owner, long maxTraffic)
        => (await PostAsync(client, "/api/v1/subscriptions", new { ownerId = owner, maxTraffic }, HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static async Task<Guid> InsertInboundAsync(ApiFactory api)
    {
        Guid node = Ids.NewId(), inbound = Ids.NewId();
        await ExecAsync(api, "insert into nodes (id, name) values ($1, $2)", node, "node-" + node);
        await ExecAsync(api, "insert into inbounds (id, node_id, tag, host, port, protocol) values ($1, $2, 'vless-in', 'h.example', 443, 'vless')", inbound, node);
        return inbound;
    }

    private static async Task<Guid> InsertPlanAsync(ApiFactory api, long maxTraffic)
    {
        Guid plan = Ids.NewId();
        await ExecAsync(api, "insert into plans (id, name, price, currency, duration, max_traffic) values ($1, 'plan', 5, 'USD', 'P30D', $2)", plan, maxTraffic);
        return plan;
    }

    /// <summary>Asserts a 409 reseller-quota problem naming <paramref name="quota"/> (and, for the counted ones, the limit and what is used).</summary>
    private static async Task QuotaAsync(HttpResponseMessage response, string quota, long? limit, long? used)
    {
        JsonElement problem = await ProblemAssert.IsAsync(response, HttpStatusCode.Conflict, "reseller-quota");
        Assert.Equal("The reseller's quota does not allow this.", problem.GetProperty("title").GetString());
        Assert.Equal(quota, problem.GetProperty("quota").GetString());
        if (limit is not null)
        {
            Assert.Equal(limit, problem.GetProperty("limit").GetInt64());
            Assert.Equal(used, problem.GetProperty("used").GetInt64());
        }
    }
}
