using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Ingest.Tests.ClickHouse;

/// <summary>Known rows written the one way the Ingest writes them (<see cref="TrafficTables"/> over RowBinary), for the tests that read them back.</summary>
internal static class TestRows
{
    public static Guid Id(int n) => Guid.Parse($"00000000-0000-0000-0000-{n:x12}");

    /// <summary>Inserts <paramref name="rows"/> into <paramref name="table"/> (<c>traffic</c>, or a shard's <c>traffic_local</c>) in one insert.</summary>
    public static async Task InsertTrafficAsync(ClickHouseClient client, IReadOnlyList<TrafficRow> rows, string table = TrafficTables.Traffic)
    {
        using var buffer = new PooledBufferWriter();
        var writer = new RowBinaryWriter(buffer);
        foreach (TrafficRow row in rows) TrafficTables.WriteTraffic(ref writer, row);
        await client.InsertRowBinaryAsync(table, TrafficTables.TrafficColumnList, buffer.WrittenMemory, CancellationToken.None);
    }

    public static async Task InsertAccessAsync(ClickHouseClient client, IReadOnlyList<AccessLogRow> rows)
    {
        using var buffer = new PooledBufferWriter();
        var writer = new RowBinaryWriter(buffer);
        foreach (AccessLogRow row in rows) TrafficTables.WriteAccessLog(ref writer, row);
        await client.InsertRowBinaryAsync(TrafficTables.AccessLog, TrafficTables.AccessLogColumnList, buffer.WrittenMemory, CancellationToken.None);
    }

    public static long Unix(string utc) => DateTimeOffset.Parse(utc + "Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds();
}
