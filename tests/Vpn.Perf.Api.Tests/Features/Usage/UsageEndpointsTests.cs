using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Features.Usage;

[Trait(ClickHouseTopology.Trait, ClickHouseTopology.Any)]
public sealed class UsageEndpointsTests
{
    private const string Range = "from=2024-03-01T00:00:00Z&to=2024-03-03T00:00:00Z";

    [Fact]
    public async Task SubscriptionUsage_HourAndDaySteps_SumsMatchInsertedRows()
    {
        await using UsageWorld w = await UsageWorld.CreateAsync(nameof(SubscriptionUsage_HourAndDaySteps_SumsMatchInsertedRows));
        HttpClient alice = w.Api.ClientAs(w.Alice, Roles.Customer);

        JsonElement hourly = await GetOkAsync(alice, $"/api/v1/subscriptions/{w.AliceSub}/usage?{Range}&step=hour");
        Assert.Equal("hour", hourly.GetProperty("step").GetString());
        AssertPoints(hourly, ("2024-03-01T10:00:00+00:00", 110, 1020, 2), ("2024-03-01T23:00:00+00:00", 1, 2, 1), ("2024-03-02T00:00:00+00:00", 5, 7, 1));
        Assert.Equal(116, hourly.GetProperty("bytesUp").GetInt64());
        Assert.Equal(1029, hourly.GetProperty("bytesDown").GetInt64());

        JsonElement daily = await GetOkAsync(alice, $"/api/v1/subscriptions/{w.AliceSub}/usage?{Range}&step=day");
        AssertPoints(daily, ("2024-03-01T00:00:00+00:00", 111, 1022, 3), ("2024-03-02T00:00:00+00:00", 5, 7, 1));

        // An unaligned range widens to whole steps and says so.
        JsonElement widened = await GetOkAsync(alice, $"/api/v1/subscriptions/{w.AliceSub}/usage?from=2024-03-01T10:30:00Z&to=2024-03-01T11:40:00.5%2B01:00&step=hour");
        Assert.Equal("2024-03-01T10:00:00+00:00", widened.GetProperty("from").GetString());
        Assert.Equal("2024-03-01T11:00:00+00:00", widened.GetProperty("to").GetString());
        AssertPoints(widened, ("2024-03-01T10:00:00+00:00", 110, 1020, 2));

        // Staff read anyone's; the default step is day.
        JsonElement bob = await GetOkAsync(w.Api.ClientAs(Ids.NewId(), Roles.Operator), $"/api/v1/subscriptions/{w.BobSub}/usage?{Range}");
        AssertPoints(bob, ("2024-03-01T00:00:00+00:00", 7, 9, 1));
    }

    [Fact]
    public async Task NodeAndInboundUsage_DaySteps_SumsMatchInsertedRows()
    {
        await using UsageWorld w = await UsageWorld.CreateAsync(nameof(NodeAndInboundUsage_DaySteps_SumsMatchInsertedRows));
        HttpClient staff = w.Api.ClientAs(Ids.NewId(), Roles.Superuser);

        AssertPoints(await GetOkAsync(staff, $"/api/v1/nodes/{w.Node}/usage?{Range}&step=day"),
            ("2024-03-01T00:00:00+00:00", 118, 1031, 4), ("2024-03-02T00:00:00+00:00", 5, 7, 1));
        AssertPoints(await GetOkAsync(staff, $"/api/v1/inbounds/{w.Inbound}/usage?{Range}"), ("2024-03-01T00:00:00+00:00", 118, 1031, 4));
        AssertPoints(await GetOkAsync(staff, $"/api/v1/inbounds/{w.OtherInbound}/usage?{Range}"), ("2024-03-02T00:00:00+00:00", 5, 7, 1));

        // Nodes and inbounds have a daily rollup only.
        JsonElement problem = await ProblemAssert.IsAsync(await staff.GetAsync($"/api/v1/nodes/{w.Node}/usage?{Range}&step=hour"), HttpStatusCode.BadRequest, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("step", out _));
    }

    [Fact]
    public async Task Usage_CallerWithoutTheRight_IsRefused()
    {
        await using UsageWorld w = await UsageWorld.CreateAsync(nameof(Usage_CallerWithoutTheRight_IsRefused));
        HttpClient anonymous = w.Api.CreateClient();
        HttpClient alice = w.Api.ClientAs(w.Alice, Roles.Customer);
        HttpClient staff = w.Api.ClientAs(Ids.NewId(), Roles.Operator);

        foreach (string path in new[] { $"subscriptions/{w.AliceSub}", $"nodes/{w.Node}", $"inbounds/{w.Inbound}" })
            await ProblemAssert.IsAsync(await anonymous.GetAsync($"/api/v1/{path}/usage?{Range}"), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsAsync(await alice.GetAsync($"/api/v1/nodes/{w.Node}/usage?{Range}"), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await alice.GetAsync($"/api/v1/inbounds/{w.Inbound}/usage?{Range}"), HttpStatusCode.Forbidden, "forbidden");

        // Someone else's subscription looks exactly like one that does not exist.
        await ProblemAssert.IsAsync(await alice.GetAsync($"/api/v1/subscriptions/{w.BobSub}/usage?{Range}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await alice.GetAsync($"/api/v1/subscriptions/{Ids.NewId()}/usage?{Range}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.GetAsync($"/api/v1/subscriptions/{Ids.NewId()}/usage?{Range}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.GetAsync($"/api/v1/nodes/{Ids.NewId()}/usage?{Range}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await staff.GetAsync($"/api/v1/inbounds/{Ids.NewId()}/usage?{Range}"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task SubscriptionUsage_InvalidQuery_IsValidationProblemNamingTheField()
    {
        await using UsageWorld w = await UsageWorld.CreateAsync(nameof(SubscriptionUsage_InvalidQuery_IsValidationProblemNamingTheField));
        HttpClient alice = w.Api.ClientAs(w.Alice, Roles.Customer);
        (string Query, string Field)[] cases =
        [
            ("to=2024-03-03T00:00:00Z", "from"),
            ("from=2024-03-01T00:00:00&to=2024-03-03T00:00:00Z", "from"), // no offset: not an instant
            ("from=yesterday&to=2024-03-03T00:00:00Z", "from"),
            ("from=2024-03-03T00:00:00Z&to=2024-03-01T00:00:00Z", "to"),
            ("from=2023-01-01T00:00:00Z&to=2024-03-01T00:00:00Z", "to"), // over 400 days
            ("from=2024-03-01T00:00:00Z&to=2024-03-03T00:00:00Z&step=minute", "step"),
        ];
        foreach ((string query, string field) in cases)
        {
            HttpResponseMessage r = await alice.GetAsync($"/api/v1/subscriptions/{w.AliceSub}/usage?{query}");
            JsonElement problem = await ProblemAssert.IsAsync(r, HttpStatusCode.BadRequest, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), query + " -> " + problem);
        }
    }

    private static async Task<JsonElement> GetOkAsync(HttpClient client, string url)
    {
        HttpResponseMessage r = await client.GetAsync(url);
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{(int)r.StatusCode}: {body}");
        return (await r.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static void AssertPoints(JsonElement history, params (string Start, long Up, long Down, long Reports)[] expected)
    {
        var actual = history.GetProperty("points").EnumerateArray()
            .Select(p => (p.GetProperty("start").GetString()!, p.GetProperty("bytesUp").GetInt64(), p.GetProperty("bytesDown").GetInt64(), p.GetProperty("reports").GetInt64()))
            .ToArray();
        Assert.Equal(expected, actual);
    }
}
