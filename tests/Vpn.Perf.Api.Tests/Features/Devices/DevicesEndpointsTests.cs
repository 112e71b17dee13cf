using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Features.Devices;

/// <summary>The device endpoints: a customer's own list and removal, staff list, removal and reset (audited), and the limit fields of the admin endpoints.</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class DevicesEndpointsTests
{
    [Fact]
    public async Task MyDevices_ListAndDelete_OwnOnlyAndAForeignDeviceIs404()
    {
        await using var api = await AdminTestKit.StartAsync(nameof(MyDevices_ListAndDelete_OwnOnlyAndAForeignDeviceIs404));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        (Guid mine, string path) = await DeviceClient.SubscriptionAsync(api, seed, 1);
        (Guid theirs, string theirPath) = await DeviceClient.SubscriptionAsync(api, seed, 1);
        Guid me = await seed.ScalarAsync<Guid>("select owner_id from subscriptions where id = $1", mine);
        Guid them = await seed.ScalarAsync<Guid>("select owner_id from subscriptions where id = $1", theirs);
        HttpClient app = api.CreateClient();
        await DeviceClient.GetAsync(app, path, "my-phone");
        await DeviceClient.GetAsync(app, theirPath, "their-phone");
        HttpClient customer = api.ClientAs(me, Roles.Customer);

        JsonElement page = await AdminTestKit.JsonAsync(await customer.GetAsync("/api/v1/users/me/devices"), HttpStatusCode.OK);
        JsonElement device = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal("my-phone", device.GetProperty("hwid").GetString());
        Assert.Equal(mine, device.GetProperty("subscriptionId").GetGuid());
        Assert.Equal("Pixel 8", device.GetProperty("model").GetString());
        Assert.Equal("Android", device.GetProperty("os").GetString());
        Assert.Equal("14", device.GetProperty("osVersion").GetString());
        Assert.Equal("Happ/3.1.0", device.GetProperty("userAgent").GetString());

        // Someone else's device reads as missing, and stays.
        Guid foreign = await seed.ScalarAsync<Guid>("select id from devices where subscription_id = $1", theirs);
        await ProblemAssert.IsAsync(await customer.DeleteAsync($"/api/v1/users/me/devices/{foreign}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await customer.DeleteAsync($"/api/v1/users/me/devices/{Guid.NewGuid()}"), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(1L, await DeviceClient.CountAsync(seed, theirs));
        JsonElement theirPage = await AdminTestKit.JsonAsync(await api.ClientAs(them, Roles.Customer).GetAsync("/api/v1/users/me/devices"), HttpStatusCode.OK);
        Assert.Equal("their-phone", Assert.Single(theirPage.GetProperty("items").EnumerateArray()).GetProperty("hwid").GetString());

        // The slot is free at once: the next new HWID registers, with no wait for a notification.
        Assert.True(await DeviceClient.IsStubAsync(await DeviceClient.GetAsync(app, path, "my-tablet")));
        Assert.Equal(HttpStatusCode.NoContent, (await customer.DeleteAsync($"/api/v1/users/me/devices/{device.GetProperty("id").GetGuid()}")).StatusCode);
        Assert.False(await DeviceClient.IsStubAsync(await DeviceClient.GetAsync(app, path, "my-tablet")));
        Assert.Equal(0L, await AdminTestKit.AuditCountAsync(api, "device.remove"));
    }

    [Fact]
    public async Task SubscriptionDevices_StaffListRemoveAndReset_AreAuditedAnd404ForUnknown()
    {
        await using var api = await AdminTestKit.StartAsync(nameof(SubscriptionDevices_StaffListRemoveAndReset_AreAuditedAnd404ForUnknown));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        (Guid sid, string path) = await DeviceClient.SubscriptionAsync(api, seed, 3);
        HttpClient app = api.CreateClient();
        foreach (string hwid in new[] { "a", "b", "c" }) await DeviceClient.GetAsync(app, path, hwid);
        HttpClient staff = AdminTestKit.Operator(api);

        JsonElement page = await AdminTestKit.JsonAsync(await staff.GetAsync($"/api/v1/subscriptions/{sid}/devices?limit=2"), HttpStatusCode.OK);
        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        JsonElement rest = await AdminTestKit.JsonAsync(
            await staff.GetAsync($"/api/v1/subscriptions/{sid}/devices?limit=2&after={page.GetProperty("next").GetGuid()}"), HttpStatusCode.OK);
        Assert.Equal(1, rest.GetProperty("items").GetArrayLength());

        Guid a = await seed.ScalarAsync<Guid>("select id from devices where subscription_id = $1 and hwid = 'a'", sid);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/v1/subscriptions/{sid}/devices/{a}")).StatusCode);
        await ProblemAssert.IsAsync(await staff.DeleteAsync($"/api/v1/subscriptions/{sid}/devices/{a}"), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(1L, await AdminTestKit.AuditCountAsync(api, "device.remove"));

        JsonElement reset = await AdminTestKit.JsonAsync(await staff.DeleteAsync($"/api/v1/subscriptions/{sid}/devices"), HttpStatusCode.OK);
        Assert.Equal(2, reset.GetProperty("removed").GetInt32());
        Assert.Equal(0L, await DeviceClient.CountAsync(seed, sid));
        Assert.Equal(1L, await AdminTestKit.ScalarAsync<long>(api,
            "select count(*) from audit_log where action = 'device.reset' and target = $1 and meta->>'removed' = '2'", "subscription:" + sid));

        Guid unknown = Guid.NewGuid();
        await ProblemAssert.IsAsync(await staff.GetAsync($"/api/v1/subscriptions/{unknown}/devices"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.DeleteAsync($"/api/v1/subscriptions/{unknown}/devices"), HttpStatusCode.NotFound, "not-found");

        // Customers use their own list; the per-subscription endpoints are staff only, even for their own subscription.
        Guid owner = await seed.ScalarAsync<Guid>("select owner_id from subscriptions where id = $1", sid);
        await ProblemAssert.IsAsync(await api.ClientAs(owner, Roles.Customer).GetAsync($"/api/v1/subscriptions/{sid}/devices"), HttpStatusCode.Forbidden, "forbidden");
        await AdminTestKit.RefusedAsync(api, Roles.Customer,
        [
            (HttpMethod.Get, $"/api/v1/subscriptions/{sid}/devices"),
            (HttpMethod.Delete, $"/api/v1/subscriptions/{sid}/devices/{a}"),
            (HttpMethod.Delete, $"/api/v1/subscriptions/{sid}/devices"),
        ]);
    }

    [Fact]
    public async Task DeviceLimit_SubscriptionAndGroupEndpoints_AcceptShowAndValidateIt()
    {
        await using var api = await AdminTestKit.StartAsync(nameof(DeviceLimit_SubscriptionAndGroupEndpoints_AcceptShowAndValidateIt));
        HttpClient staff = AdminTestKit.Superuser(api);
        Guid owner = await AdminTestKit.InsertUserAsync(api, Roles.Customer);

        JsonElement group = await AdminTestKit.PostAsync(staff, "/api/v1/groups", new { name = "family", deviceLimit = 5 }, HttpStatusCode.Created);
        Assert.Equal(5, group.GetProperty("deviceLimit").GetInt32());
        await AdminTestKit.ExecAsync(api, "insert into user_groups values ($1, $2)", owner, group.GetProperty("id").GetGuid());

        JsonElement inherited = await AdminTestKit.PostAsync(staff, "/api/v1/subscriptions", new { ownerId = owner }, HttpStatusCode.Created);
        Assert.Equal(JsonValueKind.Null, inherited.GetProperty("deviceLimit").ValueKind);
        Assert.Equal(5, inherited.GetProperty("effective").GetProperty("deviceLimit").GetInt32());

        JsonElement own = await AdminTestKit.PostAsync(staff, "/api/v1/subscriptions", new { ownerId = owner, deviceLimit = 2 }, HttpStatusCode.Created);
        Assert.Equal(2, own.GetProperty("deviceLimit").GetInt32());
        Assert.Equal(2, own.GetProperty("effective").GetProperty("deviceLimit").GetInt32());

        Guid id = own.GetProperty("id").GetGuid();
        JsonElement unlimited = await AdminTestKit.JsonAsync(await staff.PutAsJsonAsync($"/api/v1/subscriptions/{id}",
            new { title = "t", deviceLimit = 0, version = own.GetProperty("version").GetInt64() }), HttpStatusCode.OK);
        Assert.Equal(0, unlimited.GetProperty("deviceLimit").GetInt32());
        Assert.Equal(JsonValueKind.Null, unlimited.GetProperty("effective").GetProperty("deviceLimit").ValueKind);

        await AdminTestKit.ValidationAsync(await staff.PostAsJsonAsync("/api/v1/subscriptions", new { ownerId = owner, deviceLimit = -1 }), "deviceLimit");
        await AdminTestKit.ValidationAsync(await staff.PostAsJsonAsync("/api/v1/groups", new { name = "g", deviceLimit = 1001 }), "deviceLimit");
    }
}
