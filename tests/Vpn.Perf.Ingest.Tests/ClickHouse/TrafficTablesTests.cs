using System.Globalization;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Ingest.Tests.ClickHouse;

/// <summary>The Ingest's tables on one ClickHouse server (schema/clickhouse), each test in a database of its own.</summary>
public sealed class TrafficTablesTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task LandedBatchesAsync_AfterInserts_ReturnsExactlyTheLandedPairs()
    {
        await using var db = await TestClickHouse.CreateAsync("tables_landed");
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
        Assert.Equal(3, await db.LongAsync("SELECT sum(rows) FROM traffic_batches WHERE node_id = {n} AND seq = 1", new ClickHouseParameters().Add("n", n1)));
        Assert.Empty(await TrafficTables.LandedBatchesAsync(db.Client, TrafficTables.TrafficBatches, [], None));
    }

    [Fact]
    public async Task LandedBatchesAsync_OtherTable_ThrowsArgumentException()
    {
        using var client = new ClickHouseClient(TestServers.ClickHouseBase);
        await Assert.ThrowsAsync<ArgumentException>(() => TrafficTables.LandedBatchesAsync(client, "traffic", [(Guid.Empty, 1)], None));
    }

    [Fact]
    public async Task InsertRowBinaryAsync_HundredThousandRows_AllLandWithLedger()
    {
        await using var db = await TestClickHouse.CreateAsync("tables_hundred_thousand");
        const int Rows = 100_000;
        using var buffer = new PooledBufferWriter(Rows * TrafficTables.TrafficRowBytes);
        var w = new RowBinaryWriter(buffer);
        Guid node = TestRows.Id(1), inbound = TestRows.Id(2);
        for (int i = 0; i < Rows; i++)
        {
            var row = new TrafficRow(1709251200 + (i % 86_400), 60, TestRows.Id(1000 + (i % 500)), inbound, node, 42, (ulong)i, 2, 1709251200);
            TrafficTables.WriteTraffic(ref w, row);
        }
        Assert.Equal(Rows * 86, buffer.WrittenCount);
        await db.Client.InsertRowBinaryAsync(TrafficTables.Traffic, TrafficTables.TrafficColumnList, buffer.WrittenMemory, None);

        Assert.Equal("100000\t4999950000\t200000\t500", await db.TextAsync("SELECT count(), sum(bytes_up), sum(bytes_down), uniqExact(subscription_id) FROM traffic"));
        Assert.Equal(100_000, await db.LongAsync("SELECT sum(rows) FROM traffic_batches WHERE seq = 42"));
    }

    [Fact]
    public async Task VerifyAsync_SchemaApplied_Passes()
    {
        await using var db = await TestClickHouse.CreateAsync("tables_verify");
        await TrafficTables.VerifyAsync(db.Client, None);
    }

    [Fact]
    public async Task VerifyColumnsAsync_TypeDiffersOrColumnMissing_ThrowsListingEachDifference()
    {
        await using var db = await TestClickHouse.CreateAsync("tables_verify_differs");
        await db.Client.ExecuteAsync(
            "CREATE TABLE traffic_old (date Date, interval_start DateTime, interval_seconds UInt64, subscription_id UUID) ENGINE = MergeTree ORDER BY date",
            null, None);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => ClickHouseSchema.VerifyColumnsAsync(db.Client, "traffic_old", TrafficTables.TrafficColumns, None));
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

    [Fact]
    public async Task InsertNativeAsync_RowsByOffsets_StoresEveryValueAsRowBinaryDoes()
    {
        await using var viaRowBinary = await TestClickHouse.CreateAsync("tables_native_rowbinary");
        await using var viaNative = await TestClickHouse.CreateAsync("tables_native");
        // 5 000 rows: more than one block of the content's chunk. Times in two months only (a partition each, in every
        // table the views fill), one of them the last DateTime can hold.
        var random = new Random(7);
        long march = TestRows.Unix("2026-03-01T00:00:00"), last = uint.MaxValue - (2 * 86_400);
        var rows = new List<TrafficRow>();
        for (int i = 0; i < 5000; i++)
        {
            long start = (i % 5 == 0 ? last : march) + random.Next(0, 86_400);
            rows.Add(new TrafficRow(
                start, (uint)random.Next(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(),
                (ulong)random.NextInt64(), i % 7 == 0 ? ulong.MaxValue : (ulong)random.NextInt64(), (ulong)i, start + random.Next(0, 600)));
        }
        using var buffer = new PooledBufferWriter();
        var writer = new RowBinaryWriter(buffer);
        foreach (TrafficRow row in rows) TrafficTables.WriteTraffic(ref writer, row);
        // Every row but the first, last first: the offsets, not the buffer, decide what goes and in which order.
        int[] offsets = new int[rows.Count - 1];
        for (int i = 0; i < offsets.Length; i++) offsets[i] = (rows.Count - 1 - i) * TrafficTables.TrafficRowBytes;

        await viaNative.Client.InsertNativeAsync(viaNative.Tables.Traffic, TrafficTables.TrafficColumns, buffer.WrittenMemory, offsets, None);
        await viaRowBinary.Client.InsertRowBinaryAsync(viaRowBinary.Tables.Traffic, TrafficTables.TrafficColumnList,
            buffer.WrittenMemory[TrafficTables.TrafficRowBytes..], None);

        const string All = "SELECT * FROM {0} ORDER BY bytes_down";
        string expected = await viaRowBinary.TextAsync(string.Format(CultureInfo.InvariantCulture, All, viaRowBinary.Tables.Traffic));
        Assert.Equal(4999, expected.Split('\n').Length);
        Assert.Equal(expected, await viaNative.TextAsync(string.Format(CultureInfo.InvariantCulture, All, viaNative.Tables.Traffic)));
    }
}
