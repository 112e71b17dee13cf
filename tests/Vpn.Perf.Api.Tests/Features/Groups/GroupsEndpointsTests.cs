using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.AdminTestKit;

namespace Vpn.Perf.Api.Tests.Features.Groups;

public sealed class GroupsEndpointsTests
{
    [Fact]
    public async Task CreateGroup_ValidLimits_IsReadableListedAndAudited()
    {
        await using var api = await StartAsync(nameof(CreateGroup_ValidLimits_IsReadableListedAndAudited));
        HttpClient staff = Operator(api);
        JsonElement created = await PostAsync(staff, "/api/v1/groups",
            new { name = "gold", maxTraffic = 1_000_000_000L, maxSpeed = 50_000_000L, trafficResetPeriod = "P1M" }, HttpStatusCode.Created);
        string id = created.GetProperty("id").GetString()!;
        Assert.Equal(1_000_000_000L, created.GetProperty("maxTraffic").GetInt64());
        Assert.Equal("P1M", created.GetProperty("trafficResetPeriod").GetString());

        JsonElement read = await JsonAsync(await staff.GetAsync($"/api/v1/groups/{id}"), HttpStatusCode.OK);
        Assert.Equal("gold", read.GetProperty("name").GetString());
        Assert.Equal(0, read.GetProperty("memberCount").GetInt32());

        JsonElement unlimited = await PostAsync(staff, "/api/v1/groups", new { name = "free" }, HttpStatusCode.Created);
        Assert.Equal(JsonValueKind.Null, unlimited.GetProperty("maxTraffic").ValueKind);
        Assert.Equal(2L, await AuditCountAsync(api, "group.create"));
    }

    [Fact]
    public async Task CreateGroup_InvalidFields_Returns400WithFieldErrors()
    {
        await using var api = await StartAsync(nameof(CreateGroup_InvalidFields_Returns400WithFieldErrors));
        HttpClient staff = Operator(api);
        await ValidationAsync(await staff.PostAsJsonAsync("/api/v1/groups", new { name = "", maxTraffic = -1, maxSpeed = -5, trafficResetPeriod = "P1X" }),
            "maxSpeed", "maxTraffic", "name", "trafficResetPeriod");
        await ValidationAsync(await staff.PostAsJsonAsync("/api/v1/groups", new { name = "g", trafficResetPeriod = "PT1S" }), "trafficResetPeriod");
        Assert.Equal(0L, await ScalarAsync<long>(api, "select count(*) from groups"));
    }

    [Fact]
    public async Task CreateGroup_DuplicateName_Returns409()
    {
        await using var api = await StartAsync(nameof(CreateGroup_DuplicateName_Returns409));
        HttpClient staff = Superuser(api);
        await PostAsync(staff, "/api/v1/groups", new { name = "dup" }, HttpStatusCode.Created);
        await ProblemAssert.IsAsync(await staff.PostAsJsonAsync("/api/v1/groups", new { name = "dup" }), HttpStatusCode.Conflict, "conflict");
        JsonElement other = await PostAsync(staff, "/api/v1/groups", new { name = "other" }, HttpStatusCode.Created);
        await ProblemAssert.IsAsync(await staff.PutAsJsonAsync($"/api/v1/groups/{other.GetProperty("id").GetString()}", new { name = "dup" }),
            HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task UpdateGroup_ReplacesLimitsAndAudits_UnknownIdIs404()
    {
        await using var api = await StartAsync(nameof(UpdateGroup_ReplacesLimitsAndAudits_UnknownIdIs404));
        HttpClient staff = Operator(api);
        JsonElement created = await PostAsync(staff, "/api/v1/groups", new { name = "g", maxTraffic = 10L }, HttpStatusCode.Created);
        string id = created.GetProperty("id").GetString()!;
        JsonElement updated = await JsonAsync(await staff.PutAsJsonAsync($"/api/v1/groups/{id}", new { name = "g2", maxSpeed = 7L, trafficResetPeriod = "P30D" }), HttpStatusCode.OK);
        Assert.Equal("g2", updated.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, updated.GetProperty("maxTraffic").ValueKind); // PUT replaces: absent = no restriction
        Assert.Equal(7L, updated.GetProperty("maxSpeed").GetInt64());
        Assert.Equal(1L, await AuditCountAsync(api, "group.update"));

        await ValidationAsync(await staff.PutAsJsonAsync($"/api/v1/groups/{id}", new { name = "g", maxSpeed = -1 }), "maxSpeed");
        string unknown = Ids.NewId().ToString();
        await ProblemAssert.IsAsync(await staff.PutAsJsonAsync($"/api/v1/groups/{unknown}", new { name = "x" }), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.GetAsync($"/api/v1/groups/{unknown}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.DeleteAsync($"/api/v1/groups/{unknown}"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task DeleteGroup_Existing_RemovesItAndItsMemberships()
    {
        await using var api = await StartAsync(nameof(DeleteGroup_Existing_RemovesItAndItsMemberships));
        HttpClient staff = Operator(api);
        string id = (await PostAsync(staff, "/api/v1/groups", new { name = "g" }, HttpStatusCode.Created)).GetProperty("id").GetString()!;
        Guid customer = await InsertUserAsync(api, Roles.Customer);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.PutAsync($"/api/v1/users/{customer}/groups/{id}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/v1/groups/{id}")).StatusCode);
        await ProblemAssert.IsAsync(await staff.GetAsync($"/api/v1/groups/{id}"), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(0L, await ScalarAsync<long>(api, "select count(*) from user_groups"));
        Assert.Equal(1L, await AuditCountAsync(api, "group.delete"));
    }

    [Fact]
    public async Task ListGroups_KeysetPages_CoverEveryGroupOnceNewestFirst()
    {
        await using var api = await StartAsync(nameof(ListGroups_KeysetPages_CoverEveryGroupOnceNewestFirst));
        HttpClient staff = Operator(api);
        var ids = new List<string>();
        for (int i = 0; i < 5; i++) ids.Add((await PostAsync(staff, "/api/v1/groups", new { name = $"group-{i}" }, HttpStatusCode.Created)).GetProperty("id").GetString()!);

        var seen = new List<string>();
        string url = "/api/v1/groups?limit=2";
        while (true)
        {
            JsonElement page = await JsonAsync(await staff.GetAsync(url), HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(g => g.GetProperty("id").GetString()!));
            if (page.GetProperty("next").ValueKind == JsonValueKind.Null) break;
            url = $"/api/v1/groups?limit=2&after={page.GetProperty("next").GetString()}";
        }
        Assert.Equal(Newest(ids), seen);

        JsonElement byName = await JsonAsync(await staff.GetAsync("/api/v1/groups?name=group-3"), HttpStatusCode.OK);
        Assert.Single(byName.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task GroupEndpoints_AnonymousOrCustomer_AreRefused()
    {
        await using var api = await StartAsync(nameof(GroupEndpoints_AnonymousOrCustomer_AreRefused));
        string id = Ids.NewId().ToString();
        await RefusedAsync(api, Roles.Customer,
        [
            (HttpMethod.Post, "/api/v1/groups"), (HttpMethod.Get, "/api/v1/groups"), (HttpMethod.Get, $"/api/v1/groups/{id}"),
            (HttpMethod.Put, $"/api/v1/groups/{id}"), (HttpMethod.Delete, $"/api/v1/groups/{id}"),
        ]);
    }
}
