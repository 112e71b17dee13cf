using System.Text.RegularExpressions;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Ingest.Tests.ClickHouse;

/// <summary>Runs every ```sql id=... block of docs/analytics.md, verbatim, against known rows written as the Ingest writes them.</summary>
public sealed partial class AnalyticsQueriesTests
{
    private static readonly Guid S1 = TestRows.Id(0x101), S2 = TestRows.Id(0x102), S3 = TestRows.Id(0x103);
    private static readonly Guid I1 = TestRows.Id(0x201), I2 = TestRows.Id(0x202), I3 = TestRows.Id(0x203);
    private static readonly Guid N1 = TestRows.Id(0x301), N2 = TestRows.Id(0x302);
    private static readonly DateOnly From = new(2024, 3, 1), To = new(2024, 3, 3);

    private static readonly string[] ExpectedQueryIds =
    [
        "usage-per-subscription-per-day", "top-subscriptions", "usage-per-node", "usage-per-inbound",
        "usage-per-node-per-day-raw", "access-log-of-subscription",
    ];

    [GeneratedRegex(@"^```sql id=(?<id>[a-z0-9-]+)\n(?<sql>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex SqlBlock();

    private static Dictionary<string, string> DocQueries()
    {
        string doc = File.ReadAllText(Path.Combine(TestServers.RepoRoot, "docs", "analytics.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in SqlBlock().Matches(doc)) queries.Add(m.Groups["id"].Value, m.Groups["sql"].Value);
        return queries;
    }

    [Fact]
    public void DocQueries_AnalyticsMarkdown_HasEveryTestedQueryAndNoOther() =>
        Assert.Equal(ExpectedQueryIds.Order(), DocQueries().Keys.Order());

    [Fact]
    public async Task DocQueries_KnownTraffic_ReturnExactNumbers()
    {
        await using var db = await TestClickHouse.CreateAsync("analytics_doc_queries");
        await InsertKnownRowsAsync(db.Client);
        Dictionary<string, string> q = DocQueries();
        var ct = CancellationToken.None;

        List<string[]> perDay = await db.Client.QueryRowsAsync(q["usage-per-subscription-per-day"],
            new ClickHouseParameters().Add("subscription_id", S1).Add("from", From).Add("to", To), ct);
        Assert.Equal([["2024-03-01", "150", "1500", "2"], ["2024-03-02", "200", "2000", "1"]], perDay);

        List<string[]> top = await db.Client.QueryRowsAsync(q["top-subscriptions"],
            new ClickHouseParameters().Add("from", From).Add("to", To).Add("limit", 2), ct);
        Assert.Equal([[S1.ToString(), "3850", "350", "3500"], [S2.ToString(), "3107", "3007", "100"]], top);

        List<string[]> perNode = await db.Client.QueryRowsAsync(q["usage-per-node"], new ClickHouseParameters().Add("from", From).Add("to", To), ct);
        Assert.Equal([[N1.ToString(), "3157", "1600", "4"], [N2.ToString(), "201", "2002", "2"]], perNode);

        List<string[]> perInbound = await db.Client.QueryRowsAsync(q["usage-per-inbound"], new ClickHouseParameters().Add("from", From).Add("to", To), ct);
        Assert.Equal([[I1.ToString(), "150", "1500", "2"], [I2.ToString(), "3007", "100", "2"], [I3.ToString(), "201", "2002", "2"]], perInbound);

        List<string[]> raw = await db.Client.QueryRowsAsync(q["usage-per-node-per-day-raw"], new ClickHouseParameters().Add("from", From).Add("to", To), ct);
        Assert.Equal(
            [["2024-03-01", N1.ToString(), "157", "1570", "3"], ["2024-03-01", N2.ToString(), "1", "2", "1"],
             ["2024-03-02", N1.ToString(), "3000", "30", "1"], ["2024-03-02", N2.ToString(), "200", "2000", "1"]],
            raw);

        List<string[]> access = await db.Client.QueryRowsAsync(q["access-log-of-subscription"],
            new ClickHouseParameters().Add("subscription_id", S1).Add("from", From).Add("to", To).Add("limit", 10), ct);
        Assert.Equal(
            [["2024-03-01 10:00:01", "100", TestRows.Id(0x402).ToString(), I1.ToString(), N1.ToString(), "1", "2", "ünï\tcode 'q'"],
             ["2024-03-01 10:00:01", "250", TestRows.Id(0x401).ToString(), I1.ToString(), N1.ToString(), "10", "20", "hello"],
             ["2024-03-02 23:59:59", "999", TestRows.Id(0x403).ToString(), I3.ToString(), N2.ToString(), "0", "0", ""]],
            access);
    }

    private static async Task InsertKnownRowsAsync(ClickHouseClient client)
    {
        long received = TestRows.Unix("2024-03-04T00:00:00");
        TrafficRow R(string start, Guid sub, Guid inbound, Guid node, ulong seq, ulong up, ulong down) =>
            new(TestRows.Unix(start), 300, sub, inbound, node, seq, up, down, received);

        // Two inserts (two batches of node 1, one of node 2), so the rollups start out as several parts.
        await TestRows.InsertTrafficAsync(client,
        [
            R("2024-03-01T10:00:00", S1, I1, N1, 1, 100, 1000),
            R("2024-03-01T10:30:00", S1, I1, N1, 1, 50, 500),
            R("2024-03-01T11:00:00", S2, I2, N1, 1, 7, 70),
        ]);
        await TestRows.InsertTrafficAsync(client,
        [
            R("2024-03-01T23:55:00", S3, I3, N2, 1, 1, 2),
            R("2024-03-02T00:05:00", S1, I3, N2, 1, 200, 2000),
            R("2024-03-02T12:00:00", S2, I2, N1, 2, 3000, 30),
            R("2024-03-03T09:00:00", S1, I1, N1, 2, 5, 5),            // outside [from, to)
            R("2024-02-29T23:59:59", S1, I1, N1, 2, 9, 9),            // outside [from, to)
        ]);

        AccessLogRow A(int eventId, long tsMs, Guid sub, Guid inbound, Guid node, ulong up, ulong down, string note) =>
            new(tsMs, TestRows.Id(eventId), sub, inbound, node, 1, up, down, System.Text.Encoding.UTF8.GetBytes(note));
        long t0 = TestRows.Unix("2024-03-01T10:00:01") * 1000;
        await TestRows.InsertAccessAsync(client,
        [
            A(0x401, t0 + 250, S1, I1, N1, 10, 20, "hello"),
            A(0x402, t0 + 100, S1, I1, N1, 1, 2, "ünï\tcode 'q'"),
            A(0x403, TestRows.Unix("2024-03-02T23:59:59") * 1000 + 999, S1, I3, N2, 0, 0, ""),
            A(0x404, t0, S2, I2, N1, 5, 5, "other subscription"),
            A(0x405, TestRows.Unix("2024-03-03T00:00:00") * 1000, S1, I1, N1, 5, 5, "outside the range"),
        ]);
    }
}
