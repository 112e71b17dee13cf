using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Wire.RowBinary;

namespace Vpn.Perf.Shared.Tests.ClickHouse;

internal static class TestRows
{
    public static Guid Id(int n) => Guid.Parse($"00000000-0000-0000-0000-{n:x12}");

    public static async Task InsertTrafficAsync(ClickHouseClient client, IReadOnlyList<TrafficRow> rows)
    {
        using var buffer = new PooledBufferWriter();
        var writer = new RowBinaryWriter(buffer);
        foreach (TrafficRow row in rows) TrafficTables.WriteTraffic(ref writer, row);
        await client.InsertRowBinaryAsync(TrafficTables.Traffic, TrafficTables.TrafficColumnList, buffer.WrittenMemory, CancellationToken.None);
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
