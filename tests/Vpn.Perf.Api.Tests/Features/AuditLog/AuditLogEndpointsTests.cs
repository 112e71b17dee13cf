using System.Net;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.Nodes.NodeTestData;

namespace Vpn.Perf.Api.Tests.Features.AuditLog;

public sealed class AuditLogEndpointsTests
{
    private static readonly Guid Alice = Guid.Parse("00000000-0000-7000-8000-00000000a11c");
    private static readonly Guid Bob = Guid.Parse("00000000-0000-7000-8000-000000000b0b");

    [Fact]
    public async Task ListAudit_Filters_ReturnMatchingEntriesNewestFirstInPages()
    {
        await using var api = await ApiFactory.StartAsync(nameof(ListAudit_Filters_ReturnMatchingEntriesNewestFirstInPages));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await ExecAsync(db, """
            insert into audit_log (at, actor_id, action, target, meta) values
              ('2030-01-01T00:00:00Z', $1, 'node.create', 'node:1', '{"name":"a"}'),
              ('2030-01-02T00:00:00Z', $2, 'node.update', 'node:1', '{}'),
              ('2030-01-03T00:00:00Z', $1, 'inbound.create', 'inbound:9', '{}'),
              ('2030-01-04T00:00:00Z', null, 'subscription.over_limit', 'subscription:5', '{}'),
              ('2030-01-05T00:00:00Z', $1, 'node.update', 'node:2', '{}')
            """, Alice, Bob);
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Superuser);

        async Task<long[]> Ids(string query)
        {
            JsonElement page = await JsonAsync(await client.GetAsync("/api/v1/audit" + query), HttpStatusCode.OK);
            return [.. page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetInt64())];
        }

        Assert.Equal(new long[] { 5, 4, 3, 2, 1 }, await Ids(""));
        Assert.Equal(new long[] { 5, 3, 1 }, await Ids($"?actor={Alice}"));
        Assert.Equal(new long[] { 5, 2 }, await Ids("?action=node.update"));
        Assert.Equal(new long[] { 2, 1 }, await Ids("?target=node:1"));
        Assert.Equal(new long[] { 3, 2 }, await Ids("?from=2030-01-02T00:00:00Z&to=2030-01-04T00:00:00Z"));
        Assert.Equal(new long[] { 5 }, await Ids($"?actor={Alice}&action=node.update"));

        JsonElement first = await JsonAsync(await client.GetAsync("/api/v1/audit?limit=2"), HttpStatusCode.OK);
        Assert.Equal(4, first.GetProperty("next").GetInt64());
        JsonElement entry = first.GetProperty("items")[0];
        Assert.Equal("node.update", entry.GetProperty("action").GetString());
        Assert.Equal(Alice, entry.GetProperty("actorId").GetGuid());
        Assert.Equal(new long[] { 3, 2 }, await Ids("?limit=2&after=4"));
        JsonElement last = await JsonAsync(await client.GetAsync("/api/v1/audit?limit=2&after=2"), HttpStatusCode.OK);
        Assert.Equal("a", last.GetProperty("items")[0].GetProperty("meta").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, last.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task ListAudit_InvalidFilters_Returns400WithFieldErrors()
    {
        await using var api = await ApiFactory.StartAsync(nameof(ListAudit_InvalidFilters_Returns400WithFieldErrors));
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Superuser);

        JsonElement problem = await ProblemAssert.IsAsync(await client.GetAsync("/api/v1/audit?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z&limit=500"),
            HttpStatusCode.BadRequest, "validation");

        Assert.True(problem.GetProperty("errors").TryGetProperty("from", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out _));
    }

    [Fact]
    public async Task ListAudit_NotSuperuser_IsRefused()
    {
        await using var api = await ApiFactory.StartAsync(nameof(ListAudit_NotSuperuser_IsRefused));
        await AssertRefusedAsync(api, [(HttpMethod.Get, "/api/v1/audit")], Roles.Operator, Roles.Customer);
    }
}
