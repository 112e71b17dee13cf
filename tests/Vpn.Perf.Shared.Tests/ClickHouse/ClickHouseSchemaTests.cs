using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Shared.Tests.ClickHouse;

public sealed class ClickHouseSchemaTests
{
    [Fact]
    public void SplitStatements_CommentsAndSemicolonsAtLineEnd_SplitsLikeServersSh()
    {
        const string Text = "-- a comment; not a statement\nCREATE TABLE a\n(\n  x UInt8\n)\nENGINE = Memory;\n\n  -- indented comment\nSELECT 1;  \nSELECT ';' AS x\n";
        Assert.Equal(["CREATE TABLE a\n(\n  x UInt8\n)\nENGINE = Memory", "SELECT 1", "SELECT ';' AS x"], ClickHouseSchema.SplitStatements(Text));
    }

    [Fact]
    public async Task ApplyAsync_Twice_IsIdempotentAndCreatesEveryTable()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        int first = await ClickHouseSchema.ApplyAsync(db.Client, ClickHouseTestDatabase.SchemaDirectory, CancellationToken.None);
        int second = await ClickHouseSchema.ApplyAsync(db.Client, ClickHouseTestDatabase.SchemaDirectory, CancellationToken.None);
        Assert.Equal(first, second);
        Assert.Equal(20, first);
        string tables = await db.ScalarAsync("SELECT arrayStringConcat(groupArray(name), ',') FROM (SELECT name FROM system.tables WHERE database = {db} ORDER BY name)",
            new ClickHouseParameters().Add("db", db.Name));
        Assert.Equal(
            "access_batches,access_batches_mv,access_log,traffic,traffic_batches,traffic_batches_mv,traffic_daily_by_inbound,traffic_daily_by_inbound_mv," +
            "traffic_daily_by_node,traffic_daily_by_node_mv,traffic_daily_by_subscription,traffic_daily_by_subscription_mv," +
            "traffic_hourly_by_inbound,traffic_hourly_by_inbound_mv,traffic_hourly_by_subscription,traffic_hourly_by_subscription_mv," +
            "traffic_minutely_by_node,traffic_minutely_by_node_mv,traffic_weekly_by_subscription,traffic_weekly_by_subscription_mv",
            tables);
    }

    [Fact]
    public void SchemaFiles_Syntax_AvoidsFeaturesMissingFrom1816OrDeprecatedLater()
    {
        foreach (string file in Directory.GetFiles(ClickHouseTestDatabase.SchemaDirectory, "*.sql"))
        {
            foreach (string statement in ClickHouseSchema.SplitStatements(File.ReadAllText(file)))
            {
                Assert.Contains("IF NOT EXISTS", statement, StringComparison.Ordinal);
                foreach (string banned in new[] { "TTL", "DateTime64", "LowCardinality", "MergeTree(", "Nullable" })
                    Assert.DoesNotContain(banned, statement, StringComparison.Ordinal);
            }
        }
    }
}
