using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Tests.Features;
using Vpn.Perf.Api.Tests.Features.ApiKeys;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Auth;

/// <summary>
/// The read-only support role (issue 13 §4): it reads every customer's users, subscriptions, devices and payments,
/// changes nothing but devices (removal, reset) and config links (rotation), all audited, and gets a 403 problem on
/// every other write; its API keys hold at most its own scopes.
/// </summary>
public sealed class SupportRoleTests
{
    [Fact]
    public async Task Support_ReadsAllAndChangesOnlyDevicesAndLinks_EveryOtherWriteIs403()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(Support_ReadsAllAndChangesOnlyDevicesAndLinks_EveryOtherWriteIs403));
        Guid support = await kit.SeedUserAsync(Roles.Support);
        Guid customer = await kit.SeedUserAsync(Roles.Customer);
        Guid subscription = Ids.NewId(), plan = Ids.NewId(), payment = Ids.NewId(), phone = Ids.NewId(), tablet = Ids.NewId();
        await using (NpgsqlDataSource db = kit.Api.OpenDataSource())
        {
            await TestSql.ExecAsync(db, "insert into subscriptions (id, owner_id, secret) values ($1, $2, 's')", subscription, customer);
            await TestSql.ExecAsync(db, """
                insert into devices (id, subscription_id, hwid, first_seen, last_seen) values ($1, $3, 'phone', now(), now()), ($2, $3, 'tablet', now(), now())
                """, phone, tablet, subscription);
            await TestSql.ExecAsync(db, "insert into plans (id, name, price, currency, duration) values ($1, 'basic', 5, 'USD', 'P30D')", plan);
            await TestSql.ExecAsync(db, """
                insert into payments (id, customer_id, plan_id, amount, currency, duration, provider, idempotency_key, request_hash, status)
                values ($1, $2, $3, 5, 'USD', 'P30D', 'test', 'k1', '\x00'::bytea, 'succeeded')
                """, payment, customer, plan);
        }
        HttpClient client = kit.Session(support, Roles.Support);
        string s = $"/api/v1/subscriptions/{subscription}";

        // Reads: every customer's records.
        JsonElement users = await AdminTestKit.JsonAsync(await client.GetAsync("/api/v1/users"), HttpStatusCode.OK);
        Assert.Contains(users.GetProperty("items").EnumerateArray(), u => u.GetProperty("id").GetGuid() == customer);
        await AdminTestKit.JsonAsync(await client.GetAsync($"/api/v1/users/{customer}"), HttpStatusCode.OK);
        JsonElement subscriptions = await AdminTestKit.JsonAsync(await client.GetAsync("/api/v1/subscriptions"), HttpStatusCode.OK);
        Assert.Equal(subscription, Assert.Single(subscriptions.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        await AdminTestKit.JsonAsync(await client.GetAsync(s), HttpStatusCode.OK);
        await AdminTestKit.JsonAsync(await client.GetAsync(s + "/inbounds"), HttpStatusCode.OK);
        JsonElement devices = await AdminTestKit.JsonAsync(await client.GetAsync(s + "/devices"), HttpStatusCode.OK);
        Assert.Equal(2, devices.GetProperty("items").GetArrayLength());
        JsonElement payments = await AdminTestKit.JsonAsync(await client.GetAsync("/api/v1/payments"), HttpStatusCode.OK);
        Assert.Equal(payment, Assert.Single(payments.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        await AdminTestKit.JsonAsync(await client.GetAsync($"/api/v1/payments/{payment}"), HttpStatusCode.OK);

        // Every other write: 403, and nothing changes.
        var writes = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Post, "/api/v1/users", new { email = "new@example.com", role = Roles.Customer, password = "correct horse" }),
            (HttpMethod.Patch, $"/api/v1/users/{customer}", new { disabled = true }),
            (HttpMethod.Delete, $"/api/v1/users/{customer}", null),
            (HttpMethod.Put, $"/api/v1/users/{customer}/groups/{Guid.NewGuid()}", null),
            (HttpMethod.Post, "/api/v1/subscriptions", new { ownerId = customer }),
            (HttpMethod.Put, s, new { title = "renamed", version = 1 }),
            (HttpMethod.Post, s + "/suspend", null),
            (HttpMethod.Post, s + "/reset-usage", null),
            (HttpMethod.Delete, s, null),
            (HttpMethod.Post, "/api/v1/subscriptions/bulk/suspend", new { all = true }),
            (HttpMethod.Put, s + "/inbounds", new { inboundIds = Array.Empty<Guid>() }),
            (HttpMethod.Post, $"/api/v1/payments/{payment}/refunds", new { reason = "support" }),
            (HttpMethod.Post, $"/api/v1/billing/subscriptions/{subscription}/auto-renew/cancel", null),
            (HttpMethod.Put, $"/api/v1/resellers/{support}/quota", new { maxSubscriptions = 1 }),
            (HttpMethod.Post, "/api/v1/groups", new { name = "g" }),
        };
        foreach ((HttpMethod method, string url, object? body) in writes)
        {
            HttpResponseMessage response = await client.SendAsync(new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) });
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {url} answered {(int)response.StatusCode} to support.");
            await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, "forbidden");
        }
        await using (NpgsqlDataSource db = kit.Api.OpenDataSource())
        {
            Assert.Equal(1L, await TestSql.ScalarAsync<long>(db, "select version from subscriptions where id = $1 and not is_suspended", subscription));
            Assert.Equal(0L, await TestSql.ScalarAsync<long>(db, "select count(*) from users where disabled"));
        }

        // Its changes: a device removed, the rest reset, the link rotated, each audited as support's.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"{s}/devices/{phone}")).StatusCode);
        JsonElement reset = await AdminTestKit.JsonAsync(await client.DeleteAsync(s + "/devices"), HttpStatusCode.OK);
        Assert.Equal(1, reset.GetProperty("removed").GetInt32());
        JsonElement rotated = await AdminTestKit.JsonAsync(await client.PostAsync(s + "/rotate-link", null), HttpStatusCode.OK);
        Assert.Equal(2, rotated.GetProperty("version").GetInt64());
        await using (NpgsqlDataSource db = kit.Api.OpenDataSource())
        {
            Assert.Equal(["device.remove", "device.reset", "subscription.rotate_link"],
                await ActionsAsync(db, support));
        }
    }

    [Fact]
    public async Task CreateApiKey_Support_GetsAtMostSupportsScopes()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(CreateApiKey_Support_GetsAtMostSupportsScopes));
        Guid support = await kit.SeedUserAsync(Roles.Support);
        HttpClient session = kit.Session(support, Roles.Support);
        foreach (string beyond in (string[])[ApiScopes.UsersWrite, ApiScopes.BillingWrite, ApiScopes.NodesRead, ApiScopes.PlansWrite, ApiScopes.AuditRead])
        {
            HttpResponseMessage refused = await session.PostAsJsonAsync("/api/v1/api-keys", new { name = "k", scopes = new[] { ApiScopes.UsersRead, beyond } });
            await AdminTestKit.ValidationAsync(refused, "scopes");
        }
        JsonElement created = await AdminTestKit.JsonAsync(await session.PostAsJsonAsync("/api/v1/api-keys",
            new { name = "support desk", scopes = new[] { ApiScopes.UsersRead, ApiScopes.SubscriptionsRead } }), HttpStatusCode.Created);
        HttpClient key = kit.WithKey(created.GetProperty("key").GetString()!);
        await AdminTestKit.JsonAsync(await key.GetAsync("/api/v1/users"), HttpStatusCode.OK);
        await ProblemAssert.IsAsync(await key.PostAsJsonAsync("/api/v1/users", new { email = "x@example.com", role = Roles.Customer, password = "correct horse" }),
            HttpStatusCode.Forbidden, "forbidden");
    }

    private static async Task<string[]> ActionsAsync(NpgsqlDataSource db, Guid actor)
    {
        await using NpgsqlCommand cmd = db.CreateCommand("select action from audit_log where actor_id = $1 order by id");
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = actor });
        var actions = new List<string>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) actions.Add(r.GetString(0));
        return [.. actions];
    }
}
