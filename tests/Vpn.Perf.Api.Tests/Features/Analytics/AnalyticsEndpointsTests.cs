using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Features.Usage;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Features.Analytics;

/// <summary>
/// The operator analytics against real ClickHouse (one server, and two shards in the test command's shards pass),
/// Redis and Postgres, over <see cref="UsageWorld"/>'s rows plus a second node (<c>n2</c>, one inbound) carrying a third
/// subscription's traffic and some of Bob's.
/// </summary>
[Trait(ClickHouseTopology.Trait, ClickHouseTopology.Any)]
public sealed class AnalyticsEndpointsTests
{
    private const string Range = "from=2024-03-01T00:00:00Z&to=2024-03-03T00:00:00Z";

    /// <summary>The clock of the node status and state tests: 30 s into the minute after 11:59.</summary>
    private static readonly DateTimeOffset Now = new(2024, 3, 2, 12, 0, 30, TimeSpan.Zero);

    [Fact]
    public async Task TotalUsage_HourAndDaySteps_SumsPerBucketMatchInsertedRows()
    {
        await using UsageWorld w = await UsageWorld.CreateAsync(nameof(TotalUsage_HourAndDaySteps_SumsPerBucketMatchInsertedRows));
        await SecondNode.AddAsync(w);
        HttpClient staff = w.Api.ClientAs(Ids.NewId(), Roles.Operator);

        JsonElement hourly = await GetOkAsync(staff, $"/api/v1/analytics/usage?{Range}&step=hour");
        Assert.Equal("hour", hourly.GetProperty("step").GetString());
        AssertPoints(hourly, 3600,
            ("2024-03-01T10:00:00+00:00", 2110, 4020, 3), ("2024-03-01T12:00:00+00:00", 7, 9, 1), ("2024-03-01T23:00:00+00:00", 1, 2, 1),
            ("2024-03-02T00:00:00+00:00", 5, 7, 1), ("2024-03-02T05:00:00+00:00", 40, 60, 1));
        Assert.Equal(2163, hourly.GetProperty("bytesUp").GetInt64());
        Assert.Equal(4098, hourly.GetProperty("bytesDown").GetInt64());
        Assert.Equal(7, hourly.GetProperty("reports").GetInt64());

        JsonElement daily = await GetOkAsync(staff, $"/api/v1/analytics/usage?{Range}&step=day");
        AssertPoints(daily, 86400, ("2024-03-01T00:00:00+00:00", 2118, 4031, 5), ("2024-03-02T00:00:00+00:00", 45, 67, 2));

        // An unaligned range widens to whole steps; rows outside it are never counted.
        JsonElement widened = await GetOkAsync(staff, "/api/v1/analytics/usage?from=2024-03-02T00:10:00Z&to=2024-03-02T04:30:00Z&step=hour");
        Assert.Equal("2024-03-02T05:00:00+00:00", widened.GetProperty("to").GetString());
        AssertPoints(widened, 3600, ("2024-03-02T00:00:00+00:00", 5, 7, 1));
    }

    [Fact]
    public async Task UsageByNodeAndInbound_HourAndDaySteps_SumsPerSeriesMatchInsertedRows()
    {
        await using UsageWorld w = await UsageWorld.CreateAsync(nameof(UsageByNodeAndInbound_HourAndDaySteps_SumsPerSeriesMatchInsertedRows));
        SecondNode n2 = await SecondNode.AddAsync(w);
        HttpClient staff = w.Api.ClientAs(Ids.NewId(), Roles.Superuser);

        Dictionary<Guid, JsonElement> byNode = Series(await GetOkAsync(staff, $"/api/v1/analytics/usage/nodes?{Range}&step=day"));
        Assert.Equal(2, byNode.Count);
        AssertPoints(byNode[w.Node], 86400, ("2024-03-01T00:00:00+00:00", 118, 1031, 4), ("2024-03-02T00:00:00+00:00", 5, 7, 1));
        AssertTotals(byNode[w.Node], 123, 1038, 5);
        AssertPoints(byNode[n2.Node], 86400, ("2024-03-01T00:00:00+00:00", 2000, 3000, 1), ("2024-03-02T00:00:00+00:00", 40, 60, 1));
        AssertTotals(byNode[n2.Node], 2040, 3060, 2);

        byNode = Series(await GetOkAsync(staff, $"/api/v1/analytics/usage/nodes?{Range}&step=hour"));
        AssertPoints(byNode[w.Node], 3600,
            ("2024-03-01T10:00:00+00:00", 110, 1020, 2), ("2024-03-01T12:00:00+00:00", 7, 9, 1), ("2024-03-01T23:00:00+00:00", 1, 2, 1), ("2024-03-02T00:00:00+00:00", 5, 7, 1));
        AssertPoints(byNode[n2.Node], 3600, ("2024-03-01T10:00:00+00:00", 2000, 3000, 1), ("2024-03-02T05:00:00+00:00", 40, 60, 1));

        Dictionary<Guid, JsonElement> byInbound = Series(await GetOkAsync(staff, $"/api/v1/analytics/usage/inbounds?{Range}&step=hour"));
        Assert.Equal(3, byInbound.Count);
        AssertPoints(byInbound[w.Inbound], 3600, ("2024-03-01T10:00:00+00:00", 110, 1020, 2), ("2024-03-01T12:00:00+00:00", 7, 9, 1), ("2024-03-01T23:00:00+00:00", 1, 2, 1));
        AssertPoints(byInbound[w.OtherInbound], 3600, ("2024-03-02T00:00:00+00:00", 5, 7, 1));
        AssertPoints(byInbound[n2.Inbound], 3600, ("2024-03-01T10:00:00+00:00", 2000, 3000, 1), ("2024-03-02T05:00:00+00:00", 40, 60, 1));

        byInbound = Series(await GetOkAsync(staff, $"/api/v1/analytics/usage/inbounds?{Range}"));
        Assert.Equal("day", (await GetOkAsync(staff, $"/api/v1/analytics/usage/inbounds?{Range}")).GetProperty("step").GetString());
        AssertPoints(byInbound[w.Inbound], 86400, ("2024-03-01T00:00:00+00:00", 118, 1031, 4));
        AssertPoints(byInbound[w.OtherInbound], 86400, ("2024-03-02T00:00:00+00:00", 5, 7, 1));
        AssertPoints(byInbound[n2.Inbound], 86400, ("2024-03-01T00:00:00+00:00", 2000, 3000, 1), ("2024-03-02T00:00:00+00:00", 40, 60, 1));
    }

    [Fact]
    public async Task TopSubscriptions_Range_MostTrafficFirstWithinLimit()
    {
        await using UsageWorld w = await UsageWorld.CreateAsync(nameof(TopSubscriptions_Range_MostTrafficFirstWithinLimit));
        SecondNode n2 = await SecondNode.AddAsync(w);
        HttpClient staff = w.Api.ClientAs(Ids.NewId(), Roles.Operator);

        JsonElement all = await GetOkAsync(staff, $"/api/v1/analytics/subscriptions/top?{Range}");
        Assert.Equal(10, all.GetProperty("limit").GetInt32());
        AssertTop(all, (n2.Carol, 5000, 2000, 3000, 1), (w.AliceSub, 1145, 116, 1029, 4), (w.BobSub, 116, 47, 69, 2));

        AssertTop(await GetOkAsync(staff, $"/api/v1/analytics/subscriptions/top?{Range}&limit=2"), (n2.Carol, 5000, 2000, 3000, 1), (w.AliceSub, 1145, 116, 1029, 4));

        // Whole days: 12:00 on the 2nd widens to the whole of the 2nd.
        JsonElement second = await GetOkAsync(staff, "/api/v1/analytics/subscriptions/top?from=2024-03-02T12:00:00Z&to=2024-03-02T13:00:00Z");
        Assert.Equal("2024-03-02T00:00:00+00:00", second.GetProperty("from").GetString());
        Assert.Equal("2024-03-03T00:00:00+00:00", second.GetProperty("to").GetString());
        AssertTop(second, (w.BobSub, 100, 40, 60, 1), (w.AliceSub, 12, 5, 7, 1));

        // [Mon 02-26, Tue 03-05): the whole week of 02-26 from the weekly rollup (with Alice's rows of 02-29 and 03-03
        // outside the range above), Monday 03-04 from the daily one; Sunday 02-25 and 03-05 are outside.
        await w.InsertTrafficAsync(
            w.Row("2024-03-04T10:00:00", w.BobSub, w.Inbound, 3_000_000, 0),
            w.Row("2024-02-25T10:00:00", w.BobSub, w.Inbound, 9_000_000, 0),
            w.Row("2024-03-05T00:00:00", w.BobSub, w.Inbound, 9_000_000, 0));
        AssertTop(await GetOkAsync(staff, "/api/v1/analytics/subscriptions/top?from=2024-02-26T00:00:00Z&to=2024-03-05T00:00:00Z"),
            (w.AliceSub, 4_001_145, 2_000_116, 2_001_029, 6), (w.BobSub, 3_000_116, 3_000_047, 69, 3), (n2.Carol, 5000, 2000, 3000, 1));

        // [Mon 02-26, Sat 03-02): the week of 02-26 less its Saturday and Sunday (Alice's and Bob's rows of 03-02, Alice's
        // million of 03-03), which the daily rollup subtracts.
        AssertTop(await GetOkAsync(staff, "/api/v1/analytics/subscriptions/top?from=2024-02-26T00:00:00Z&to=2024-03-02T00:00:00Z"),
            (w.AliceSub, 2_001_133, 1_000_111, 1_001_022, 4), (n2.Carol, 5000, 2000, 3000, 1), (w.BobSub, 16, 7, 9, 1));

        // [Tue 03-05, Tue 03-12): the week of 03-04 less its Monday (Bob's 3 000 000 and Carol's only row of the week),
        // plus Monday 03-11 from the daily rollup. Carol nets to no reports and is not listed.
        await w.InsertTrafficAsync(w.Row("2024-03-04T11:00:00", n2.Carol, n2.Inbound, 70, 0, n2.Node));
        AssertTop(await GetOkAsync(staff, "/api/v1/analytics/subscriptions/top?from=2024-03-05T00:00:00Z&to=2024-03-12T00:00:00Z"),
            (w.BobSub, 9_000_000, 9_000_000, 0, 1));
    }

    [Fact]
    public async Task NodeStatus_LastMinutes_OnlineFromRedisAndRatesFromTheMinuteRollup()
    {
        await using UsageWorld w = await UsageWorld.CreateAsync(nameof(NodeStatus_LastMinutes_OnlineFromRedisAndRatesFromTheMinuteRollup));
        SecondNode n2 = await SecondNode.AddAsync(w);
        // Received one minute after each start: the 5-minute window [11:55, 12:00) holds the first three (received 11:55,
        // 11:58, 11:59); the fourth is received at 12:00, the minute still filling; the fifth at 11:54, inside 10 minutes only.
        await w.InsertTrafficAsync(
            w.Row("2024-03-02T11:54:00", w.AliceSub, w.Inbound, 600, 1200),
            w.Row("2024-03-02T11:57:00", w.BobSub, w.Inbound, 300, 300),
            w.Row("2024-03-02T11:58:00", w.AliceSub, w.OtherInbound, 0, 600),
            w.Row("2024-03-02T11:59:00", n2.Carol, n2.Inbound, 60, 0, n2.Node),
            w.Row("2024-03-02T11:53:00", n2.Carol, n2.Inbound, 30, 30, n2.Node));
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        long fresh = Now.AddMinutes(-1).ToUnixTimeMilliseconds(), stale = Now.AddMinutes(-6).ToUnixTimeMilliseconds();
        await redis.HashSetAsync(RedisKeys.NodeLastSeen, w.Node.ToString("N"), fresh.ToString(CultureInfo.InvariantCulture));
        await redis.HashSetAsync(RedisKeys.NodeLastSeen, n2.Node.ToString("N"), stale.ToString(CultureInfo.InvariantCulture));
        try
        {
            await using WebApplicationFactory<Program> api = w.Api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(new MutableTime(Now))));
            HttpClient staff = Authorized(api, w.Api, Roles.Operator);

            JsonElement five = await GetOkAsync(staff, "/api/v1/analytics/nodes");
            Assert.Equal("2024-03-02T11:55:00+00:00", five.GetProperty("from").GetString());
            Assert.Equal("2024-03-02T12:00:00+00:00", five.GetProperty("to").GetString());
            Assert.Equal(5, five.GetProperty("minutes").GetInt32());
            JsonElement[] nodes = [.. five.GetProperty("nodes").EnumerateArray()];
            Assert.Equal([w.Node, n2.Node], nodes.Select(n => n.GetProperty("id").GetGuid()));
            AssertNode(nodes[0], "n1", fresh, online: true, reports: 3, up: 900, down: 2100, subscriptions: 2, seconds: 300);
            AssertNode(nodes[1], "n2", stale, online: false, reports: 0, up: 0, down: 0, subscriptions: 0, seconds: 300);

            JsonElement ten = await GetOkAsync(staff, "/api/v1/analytics/nodes?minutes=10");
            nodes = [.. ten.GetProperty("nodes").EnumerateArray()];
            AssertNode(nodes[0], "n1", fresh, online: true, reports: 3, up: 900, down: 2100, subscriptions: 2, seconds: 600);
            AssertNode(nodes[1], "n2", stale, online: false, reports: 1, up: 30, down: 30, subscriptions: 1, seconds: 600);
        }
        finally
        {
            await redis.HashDeleteAsync(RedisKeys.NodeLastSeen, [w.Node.ToString("N"), n2.Node.ToString("N")]);
        }
    }

    [Fact]
    public async Task SubscriptionStates_EachState_CountedOnceInTheConfigEndpointsOrder()
    {
        await using UsageWorld w = await UsageWorld.CreateAsync(nameof(SubscriptionStates_EachState_CountedOnceInTheConfigEndpointsOrder));
        await using NpgsqlDataSource db = w.Api.OpenDataSource();
        Guid disabled = Ids.NewId();
        await ExecAsync(db, "insert into users (id, email, password_hash, role, disabled) values ($1, 'off@test', 'h', 'customer', true)", disabled);
        // (suspended, expires, over limit, owner): AliceSub and BobSub are active already.
        (bool, DateTimeOffset?, bool, Guid)[] subscriptions =
        [
            (false, Now.AddDays(1), false, w.Alice),  // active: expires later
            (true, null, false, w.Alice),             // suspended
            (true, Now.AddDays(-1), true, w.Alice),   // suspended first, though expired and over limit
            (false, null, false, disabled),           // suspended: the owner is disabled
            (false, Now.AddSeconds(-1), false, w.Bob), // expired
            (false, Now, true, w.Bob),                // expired first (at Now counts as expired), though over limit
            (false, null, true, w.Bob),               // over limit
        ];
        foreach ((bool suspended, DateTimeOffset? expires, bool over, Guid owner) in subscriptions)
        {
            await using NpgsqlCommand cmd = db.CreateCommand(
                "insert into subscriptions (id, owner_id, secret, is_suspended, expires_at, is_over_limit) values ($1, $2, 's', $3, $4, $5)");
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Ids.NewId() });
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = owner });
            cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = suspended });
            cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)expires ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = over });
            await cmd.ExecuteNonQueryAsync();
        }
        await using WebApplicationFactory<Program> api = w.Api.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(new MutableTime(Now))));

        JsonElement counts = await GetOkAsync(Authorized(api, w.Api, Roles.Superuser), "/api/v1/analytics/subscriptions/states");
        Assert.Equal("2024-03-02T12:00:30+00:00", counts.GetProperty("at").GetString());
        Assert.Equal(9, counts.GetProperty("total").GetInt64());
        Assert.Equal(3, counts.GetProperty("active").GetInt64());
        Assert.Equal(3, counts.GetProperty("suspended").GetInt64());
        Assert.Equal(2, counts.GetProperty("expired").GetInt64());
        Assert.Equal(1, counts.GetProperty("overLimit").GetInt64());
    }

    [Fact]
    public async Task Analytics_BadRangeStepLimitOrWindow_IsValidationProblemNamingTheField()
    {
        await using UsageWorld w = await UsageWorld.CreateAsync(nameof(Analytics_BadRangeStepLimitOrWindow_IsValidationProblemNamingTheField));
        HttpClient staff = w.Api.ClientAs(Ids.NewId(), Roles.Operator);
        (string Url, string Field)[] cases =
        [
            ("usage?to=2024-03-03T00:00:00Z", "from"),
            ("usage?from=2024-03-01&to=2024-03-03T00:00:00Z", "from"),
            ($"usage?{Range}&step=minute", "step"),
            ($"usage/nodes?{Range}&step=week", "step"),
            ("usage/inbounds?from=2024-03-03T00:00:00Z&to=2024-03-01T00:00:00Z", "to"),
            // 42 days by the hour is 1008 steps, over the 1000 a series may have; by the day it is fine (below).
            ("usage?from=2024-01-01T00:00:00Z&to=2024-02-12T00:00:00Z&step=hour", "to"),
            // A breakdown's series have at most 200 steps: 201 hours, or 201 days, are too many.
            ("usage/nodes?from=2024-01-01T00:00:00Z&to=2024-01-09T09:00:00Z&step=hour", "to"),
            ("usage/inbounds?from=2024-01-01T00:00:00Z&to=2024-07-20T00:00:00Z&step=day", "to"),
            ("usage?from=2023-01-01T00:00:00Z&to=2024-03-01T00:00:00Z&step=day", "to"), // over 400 days
            ("subscriptions/top?to=2024-03-03T00:00:00Z", "from"),
            ($"subscriptions/top?{Range}&limit=0", "limit"),
            ($"subscriptions/top?{Range}&limit=101", "limit"),
            ($"subscriptions/top?{Range}&limit=ten", "limit"),
            ("subscriptions/top?from=2023-01-01T00:00:00Z&to=2024-03-01T00:00:00Z", "to"),
            ("nodes?minutes=0", "minutes"),
            ("nodes?minutes=61", "minutes"),
            ("nodes?minutes=-5", "minutes"),
        ];
        foreach ((string url, string field) in cases)
        {
            JsonElement problem = await ProblemAssert.IsAsync(await staff.GetAsync("/api/v1/analytics/" + url), HttpStatusCode.BadRequest, "validation");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), url + " -> " + problem);
        }
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/v1/analytics/usage?from=2024-01-01T00:00:00Z&to=2024-02-12T00:00:00Z&step=day")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/v1/analytics/usage/nodes?from=2024-01-01T00:00:00Z&to=2024-01-09T08:00:00Z&step=hour")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/v1/analytics/usage/inbounds?from=2024-01-01T00:00:00Z&to=2024-07-19T00:00:00Z&step=day")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/api/v1/analytics/nodes?minutes=60")).StatusCode);
    }

    [Fact]
    public async Task OpenApiDocument_AnalyticsPaths_DescribeQueryParametersAndProblems()
    {
        await using var api = await ApiFactory.StartAsync(nameof(OpenApiDocument_AnalyticsPaths_DescribeQueryParametersAndProblems));
        using var doc = JsonDocument.Parse(await api.CreateClient().GetStringAsync("/api/openapi/v1.json"));
        JsonElement paths = doc.RootElement.GetProperty("paths");
        (string Path, string[] Parameters)[] expected =
        [
            ("/api/v1/analytics/usage", ["from", "to", "step"]),
            ("/api/v1/analytics/usage/nodes", ["from", "to", "step"]),
            ("/api/v1/analytics/usage/inbounds", ["from", "to", "step"]),
            ("/api/v1/analytics/subscriptions/top", ["from", "to", "limit"]),
            ("/api/v1/analytics/nodes", ["minutes"]),
            ("/api/v1/analytics/subscriptions/states", []),
        ];
        foreach ((string path, string[] parameters) in expected)
        {
            Assert.True(paths.TryGetProperty(path, out JsonElement item), path);
            JsonElement get = item.GetProperty("get");
            Assert.Equal("Analytics", get.GetProperty("tags")[0].GetString());
            string[] names = get.TryGetProperty("parameters", out JsonElement ps) ? [.. ps.EnumerateArray().Select(p => p.GetProperty("name").GetString()!)] : [];
            Assert.Equal(parameters, names);
            if (parameters.Length > 0) Assert.True(get.GetProperty("responses").TryGetProperty("400", out _), path + " documents no 400");
        }
    }

    /// <summary>
    /// A client of <paramref name="api"/> (the world's Api on the test clock) with a token issued on the real clock by
    /// <paramref name="issuer"/>: the bearer handler checks lifetimes against the real clock.
    /// </summary>
    private static HttpClient Authorized(WebApplicationFactory<Program> api, ApiFactory issuer, string role)
    {
        HttpClient client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", issuer.Tokens.Issue(Ids.NewId(), role, Guid.NewGuid()));
        return client;
    }

    private static async Task ExecAsync(NpgsqlDataSource db, string sql, Guid id)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<JsonElement> GetOkAsync(HttpClient client, string url)
    {
        HttpResponseMessage r = await client.GetAsync(url);
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.OK, $"{url}: {(int)r.StatusCode}: {body}");
        return await r.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Dictionary<Guid, JsonElement> Series(JsonElement breakdown)
        => breakdown.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetGuid());

    private static void AssertTotals(JsonElement series, long up, long down, long reports)
    {
        Assert.Equal(up, series.GetProperty("bytesUp").GetInt64());
        Assert.Equal(down, series.GetProperty("bytesDown").GetInt64());
        Assert.Equal(reports, series.GetProperty("reports").GetInt64());
    }

    private static void AssertPoints(JsonElement history, double stepSeconds, params (string Start, long Up, long Down, long Reports)[] expected)
    {
        JsonElement[] points = [.. history.GetProperty("points").EnumerateArray()];
        Assert.Equal(expected, points.Select(p => (p.GetProperty("start").GetString()!, p.GetProperty("bytesUp").GetInt64(), p.GetProperty("bytesDown").GetInt64(), p.GetProperty("reports").GetInt64())));
        for (int i = 0; i < points.Length; i++)
        {
            Assert.Equal(expected[i].Up / stepSeconds, points[i].GetProperty("bytesUpPerSecond").GetDouble());
            Assert.Equal(expected[i].Down / stepSeconds, points[i].GetProperty("bytesDownPerSecond").GetDouble());
        }
    }

    private static void AssertTop(JsonElement top, params (Guid Id, long Total, long Up, long Down, long Reports)[] expected)
        => Assert.Equal(expected, top.GetProperty("subscriptions").EnumerateArray().Select(s => (s.GetProperty("id").GetGuid(), s.GetProperty("total").GetInt64(),
            s.GetProperty("bytesUp").GetInt64(), s.GetProperty("bytesDown").GetInt64(), s.GetProperty("reports").GetInt64())));

    private static void AssertNode(JsonElement node, string name, long lastReportMs, bool online, long reports, long up, long down, long subscriptions, double seconds)
    {
        Assert.Equal(name, node.GetProperty("name").GetString());
        Assert.Equal(lastReportMs, node.GetProperty("lastReport").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.Equal(online, node.GetProperty("online").GetBoolean());
        Assert.Equal(reports, node.GetProperty("reports").GetInt64());
        Assert.Equal(reports / seconds, node.GetProperty("reportsPerSecond").GetDouble());
        Assert.Equal(up, node.GetProperty("bytesUp").GetInt64());
        Assert.Equal(down, node.GetProperty("bytesDown").GetInt64());
        Assert.Equal(up / seconds, node.GetProperty("bytesUpPerSecond").GetDouble());
        Assert.Equal(down / seconds, node.GetProperty("bytesDownPerSecond").GetDouble());
        Assert.Equal(subscriptions, node.GetProperty("activeSubscriptions").GetInt64());
    }

    /// <summary>Node <c>n2</c> with one inbound, Carol's subscription (owned by Alice), and their rows in the range.</summary>
    private sealed record SecondNode(Guid Node, Guid Inbound, Guid Carol)
    {
        public static async Task<SecondNode> AddAsync(UsageWorld w)
        {
            var n2 = new SecondNode(Ids.NewId(), Ids.NewId(), Ids.NewId());
            await using NpgsqlDataSource db = w.Api.OpenDataSource();
            await using NpgsqlBatch batch = db.CreateBatch();
            batch.BatchCommands.Add(Command("insert into nodes (id, name) values ($1, 'n2')", n2.Node));
            batch.BatchCommands.Add(Command("insert into inbounds (id, node_id, tag, host, port, protocol) values ($1, $2, 'c', 'h2', 443, 'vless')", n2.Inbound, n2.Node));
            batch.BatchCommands.Add(Command("insert into subscriptions (id, owner_id, secret) values ($1, $2, 's')", n2.Carol, w.Alice));
            await batch.ExecuteNonQueryAsync();
            await w.InsertTrafficAsync(
                w.Row("2024-03-01T10:30:00", n2.Carol, n2.Inbound, 2000, 3000, n2.Node),
                w.Row("2024-03-02T05:00:00", w.BobSub, n2.Inbound, 40, 60, n2.Node));
            return n2;
        }

        private static NpgsqlBatchCommand Command(string sql, params Guid[] ids)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (Guid id in ids) command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            return command;
        }
    }
}
