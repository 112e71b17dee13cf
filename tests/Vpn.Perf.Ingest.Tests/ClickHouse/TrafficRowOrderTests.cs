using System.Text;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.Buffers;

namespace Vpn.Perf.Ingest.Tests.ClickHouse;

/// <summary>The order the sink sends traffic rows in, against the order ClickHouse itself gives traffic's sorting key.</summary>
public sealed class TrafficRowOrderTests
{
    [Fact]
    public async Task Sort_RowsInAnyOrder_IsTheOrderClickHouseSortsTrafficsKeyIn()
    {
        await using var db = await TestClickHouse.CreateAsync("row_order");
        var random = new Random(15);
        // Ids with every byte random (the unsigned compare of each half), and pairs that differ only in one half.
        var ids = new List<Guid>();
        for (int i = 0; i < 200; i++) ids.Add(RandomId(random));
        byte[] bytes = RandomId(random).ToByteArray(bigEndian: true);
        for (int i = 0; i < 8; i++)
        {
            bytes[i % 8] ^= 0x80;
            ids.Add(new Guid(bytes, bigEndian: true));
            bytes[8 + (i % 8)] ^= 0x81;
            ids.Add(new Guid(bytes, bigEndian: true));
        }
        long t = TestRows.Unix("2026-03-01T00:00:00");
        var rows = new List<TrafficRow>();
        for (int i = 0; i < 3000; i++)
            rows.Add(new TrafficRow(t + (60 * random.Next(0, 5)), 60, ids[random.Next(ids.Count)], TestRows.Id(1), TestRows.Id(2), 7, (ulong)i, 1, t));

        using var buffer = new PooledBufferWriter();
        var writer = new RowBinaryWriter(buffer);
        foreach (TrafficRow row in rows) TrafficTables.WriteTraffic(ref writer, row);
        var order = new TrafficRowOrder();
        // In two ranges, as a flush that leaves out a landed batch adds them.
        int middle = 1234 * TrafficTables.TrafficRowBytes;
        order.Add(buffer.WrittenSpan, 0, middle);
        order.Add(buffer.WrittenSpan, middle, buffer.WrittenCount);
        ReadOnlyMemory<int> offsets = order.Sort();
        await db.Client.InsertNativeAsync(db.Tables.Traffic, TrafficTables.TrafficColumns, buffer.WrittenMemory, offsets, CancellationToken.None);

        var ours = new StringBuilder();
        foreach (int offset in offsets.Span)
        {
            TrafficRow row = rows[offset / TrafficTables.TrafficRowBytes];
            ours.Append(row.SubscriptionId).Append('\t').Append(row.IntervalStart).Append('\n');
        }
        string theirs = await db.TextAsync(
            $"SELECT toString(subscription_id), toUInt32(interval_start) FROM {db.Tables.Traffic} ORDER BY subscription_id, interval_start");
        Assert.Equal(3000, offsets.Length);
        Assert.Equal(theirs, ours.ToString().TrimEnd('\n'));
    }

    private static Guid RandomId(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }
}
