using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Shared.Tests.ClickHouse;

public sealed class TrafficTablesTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task LandedBatchesAsync_AfterInserts_ReturnsExactlyTheLandedPairs()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync();
        Guid n1 = TestRows.Id(1), n2 = TestRows.Id(2), sub = TestRows.Id(9);
        long t = TestRows.Unix("2024-03-01T00:00:00");
        TrafficRow R(Guid node, ulong seq, long at) => new(at, 60, sub, sub, node, seq, 1, 1, at);
        await TestRows.InsertTrafficAsync(db.Client, [R(n1, 1, t), R(n1, 1, t), R(n1, 1, t + 86_400 * 40), R(n1, 2, t), R(n2, 7, t)]);
        await TestRows.InsertAccessAsync(db.Client, [new AccessLogRow(t * 1000, sub, sub, sub, n2, 3, 0, 0, default)]);

        HashSet<(Guid, ulong)> landed = await TrafficTables.LandedBatchesAsync(
            db.Client, TrafficTables.TrafficBatches, [(n1, 1), (n1, 2), (n1, 3), (n2, 1), (n2, 2), (n2, 7)], None);
        Assert.Equal([(n1, 1UL), (n1, 2UL), (n2, 7UL)], landed.Order());

        HashSet<(Guid, ulong)> access = await TrafficTables.LandedBatchesAsync(db.Client, TrafficTables.AccessBatches, [(n2, 3), (n2, 7), (n1, 3)], None);
        Assert.Equal([(n2, 3UL)], access);

        // The ledger counts rows per batch (across days and parts), which is what "landed completely" is checked against.
        Assert.Equal("3", await db.ScalarAsync(
            "SELECT sum(rows) FROM traffic_batches WHERE node_id = {n} AND seq = 1", new ClickHouseParameters().Add("n", n1)));
        Assert.Empty(await TrafficTables.LandedBatchesAsync(db.Client, TrafficTables.TrafficBatches, [], None));
    }

    [Fact]
    public async Task LandedBatchesAsync_OtherTable_ThrowsArgumentException()
    {
        using var client = new ClickHouseClient(ClickHouseTestDatabase.BaseOptions);
        await Assert.ThrowsAsync<ArgumentException>(() => TrafficTables.LandedBatchesAsync(client, "traffic", [(Guid.Empty, 1)], None));
    }

    [Fact]
    public async Task VerifyAsync_SchemaApplied_Passes()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync();
        await TrafficTables.VerifyAsync(db.Client, None);
    }

    [Fact]
    public async Task VerifyColumnsAsync_TypeDiffersOrColumnMissing_ThrowsListingEachDifference()
    {
        await using var db = await ClickHouseTestDatabase.CreateAsync(applySchema: false);
        await db.Client.ExecuteAsync(
            "CREATE TABLE traffic (date Date, interval_start DateTime, interval_seconds UInt64, subscription_id UUID) ENGINE = MergeTree ORDER BY date",
            null, None);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ClickHouseSchema.VerifyColumnsAsync(db.Client, TrafficTables.Traffic, TrafficTables.TrafficColumns, None));
        Assert.Contains("interval_seconds is UInt64, expected UInt32", ex.Message, StringComparison.Ordinal);
        Assert.Contains("received_at is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrafficColumnList_MatchesColumnsInOrder()
    {
        Assert.Equal(
            "date, interval_start, interval_seconds, subscription_id, inbound_id, node_id, seq, bytes_up, bytes_down, received_at",
            TrafficTables.TrafficColumnList);
        Assert.Equal("date, ts, ms, event_id, subscription_id, inbound_id, node_id, seq, bytes_up, bytes_down, note", TrafficTables.AccessLogColumnList);
    }
}
