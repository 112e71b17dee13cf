using System.Net;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Subscriptions;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Testing;
using static Vpn.Perf.Api.Tests.Features.AdminTestKit;

namespace Vpn.Perf.Api.Tests.Features.Subscriptions;

[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class SubscriptionsListTests
{
    [Fact]
    public async Task ListSubscriptions_EachFilter_SelectsExactlyItsRows()
    {
        await using var api = await StartAsync(nameof(ListSubscriptions_EachFilter_SelectsExactlyItsRows));
        Guid a = await InsertUserAsync(api, Roles.Customer);
        Guid b = await InsertUserAsync(api, Roles.Customer);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        Guid suspended = await SubscriptionSeed.InsertAsync(api, a, title: "Laptop", suspended: true);
        Guid overLimit = await SubscriptionSeed.InsertAsync(api, a, title: "Phone", overLimit: true);
        Guid expired = await SubscriptionSeed.InsertAsync(api, a, title: "Old", expiresAt: now.AddDays(-1));
        Guid soon = await SubscriptionSeed.InsertAsync(api, a, title: "Family plan", expiresAt: now.AddDays(2));
        Guid others = await SubscriptionSeed.InsertAsync(api, b, title: "Work 100%");
        HttpClient staff = Operator(api);

        async Task<Guid[]> IdsAsync(HttpClient client, string query)
        {
            JsonElement page = await JsonAsync(await client.GetAsync("/api/v1/subscriptions" + query), HttpStatusCode.OK);
            return [.. page.GetProperty("items").EnumerateArray().Select(s => Guid.Parse(s.GetProperty("id").GetString()!))];
        }

        Assert.Equal(Newest([suspended, overLimit, expired, soon, others]), await IdsAsync(staff, ""));
        Assert.Equal(Newest([suspended, overLimit, expired, soon]), await IdsAsync(staff, $"?owner={a}"));
        Assert.Equal([suspended], await IdsAsync(staff, "?suspended=true"));
        Assert.Equal([overLimit], await IdsAsync(staff, "?overLimit=true"));
        Assert.Equal([expired], await IdsAsync(staff, "?expired=true"));
        Assert.Equal(Newest([suspended, overLimit, soon, others]), await IdsAsync(staff, "?expired=false"));
        Assert.Equal(Newest([expired, soon]), await IdsAsync(staff, $"?expiringBefore={Uri.EscapeDataString(now.AddDays(3).ToString("O"))}"));
        Assert.Equal([soon], await IdsAsync(staff, "?q=FAMILY"));
        Assert.Equal([others], await IdsAsync(staff, "?q=0%25")); // '%' is literal
        Assert.Empty(await IdsAsync(staff, $"?owner={a}&suspended=false&overLimit=false&expired=false&q=work"));

        // A customer sees only their own, whatever filter they send.
        HttpClient customerB = api.ClientAs(b, Roles.Customer);
        Assert.Equal([others], await IdsAsync(customerB, ""));
        Assert.Empty(await IdsAsync(customerB, $"?owner={a}"));
        await ValidationAsync(await staff.GetAsync("/api/v1/subscriptions?q=" + new string('q', 201)), "q");
    }

    [Fact]
    public async Task ListSubscriptions_PageSize_IsCappedAndKeysetCoversTheRest()
    {
        await using var api = await StartAsync(nameof(ListSubscriptions_PageSize_IsCappedAndKeysetCoversTheRest));
        Guid owner = await InsertUserAsync(api, Roles.Customer);
        await ExecAsync(api, """
            insert into subscriptions (id, owner_id, secret)
            select ('01900000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, $1, 's' from generate_series(1, 205) i
            """, owner);
        HttpClient staff = Operator(api);
        JsonElement first = await JsonAsync(await staff.GetAsync("/api/v1/subscriptions?limit=1000"), HttpStatusCode.OK);
        Assert.Equal(200, first.GetProperty("items").GetArrayLength());
        Assert.Equal("01900000-0000-7000-8000-0000000000cd", first.GetProperty("items")[0].GetProperty("id").GetString());
        string next = first.GetProperty("next").GetString()!;
        Assert.Equal("01900000-0000-7000-8000-000000000006", next);
        JsonElement second = await JsonAsync(await staff.GetAsync($"/api/v1/subscriptions?limit=1000&after={next}"), HttpStatusCode.OK);
        Assert.Equal(5, second.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task ListSubscriptions_100kRows_DefaultAndFilteredPagesUseIndexScans()
    {
        await using var api = await StartAsync(nameof(ListSubscriptions_100kRows_DefaultAndFilteredPagesUseIndexScans));
        await ExecAsync(api, """
            insert into users (id, email, password_hash, role)
            select ('01800000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'u' || i || '@example.com', 'x', 'customer'
            from generate_series(1, 100) i
            """);
        // One reseller created one subscription in a hundred: its list is a page of its own rows (0019's index).
        Guid reseller = Guid.Parse("01800000-0000-7000-8000-0000000000ff");
        await ExecAsync(api, "insert into users (id, username, password_hash, role) values ($1, 'reseller', 'x', 'reseller')", reseller);
        await ExecAsync(api, """
            insert into subscriptions (id, owner_id, secret, title, is_suspended, expires_at, created_by)
            select ('01900000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'))::uuid,
                   ('01800000-0000-7000-8000-' || lpad(to_hex(1 + i % 100), 12, '0'))::uuid,
                   md5(i::text), 'subscription ' || i, i % 100 = 0,
                   case when i % 2 = 0 then now() + (i % 365 - 30) * interval '1 day' end,
                   case when i % 100 = 3 then '01800000-0000-7000-8000-0000000000ff'::uuid end
            from generate_series(1, 100000) i
            """);
        await ExecAsync(api, "analyze subscriptions; analyze users; analyze user_groups; analyze groups");

        DateTimeOffset now = DateTimeOffset.UtcNow;
        var none = new SubscriptionFilter(null, null, null, null, null, null);
        Guid owner = Guid.Parse("01800000-0000-7000-8000-000000000007");
        await AssertIndexOnlyAsync(api, none, default, now);
        await AssertIndexOnlyAsync(api, none with { Owner = owner }, default, now);
        await AssertIndexOnlyAsync(api, none, new CallerScope(owner, null), now); // a customer's own list
        await AssertIndexOnlyAsync(api, none, new CallerScope(null, reseller), now); // a reseller's list: filtered in SQL, by index
        await AssertIndexOnlyAsync(api, none with { Suspended = true }, default, now);
    }

    /// <summary>EXPLAINs the exact page command the endpoint runs; subscriptions must be reached through an index, never a Seq Scan.</summary>
    private static async Task AssertIndexOnlyAsync(ApiFactory api, SubscriptionFilter filter, CallerScope scope, DateTimeOffset now)
    {
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using NpgsqlConnection conn = await db.OpenConnectionAsync();
        await using NpgsqlCommand cmd = SubscriptionsStore.ListCommand(conn, filter, scope, now, null, 50);
        cmd.CommandText = "explain (format json) " + cmd.CommandText;
        string plan = (string)(await cmd.ExecuteScalarAsync())!;
        var scans = new List<string>();
        Walk(JsonDocument.Parse(plan).RootElement[0].GetProperty("Plan"), scans);
        Assert.True(scans.Count > 0, plan);
        Assert.DoesNotContain("Seq Scan", scans);
        Assert.All(scans, s => Assert.Contains(s, (string[])["Index Scan", "Index Only Scan", "Bitmap Heap Scan"]));
    }

    private static void Walk(JsonElement node, List<string> subscriptionScans)
    {
        if (node.TryGetProperty("Relation Name", out JsonElement relation) && relation.GetString() == "subscriptions")
            subscriptionScans.Add(node.GetProperty("Node Type").GetString()!);
        if (node.TryGetProperty("Plans", out JsonElement children))
        {
            foreach (JsonElement child in children.EnumerateArray()) Walk(child, subscriptionScans);
        }
    }
}
