using System.Globalization;
using System.Text;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Ingest.Tests.ClickHouse;

/// <summary>The writer's bytes, golden and as the real ClickHouse server reads them back.</summary>
public sealed class RowBinaryWriterTests
{
    private static string Hex(PooledBufferWriter b) => Convert.ToHexString(b.WrittenSpan);

    [Fact]
    public void WriteScalars_AllTypes_MatchGoldenBytes()
    {
        using var buffer = new PooledBufferWriter(16);
        var w = new RowBinaryWriter(buffer);
        w.BeginRow(1 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 1 + 1 + 8);
        w.WriteUInt8(0xAB);
        w.WriteUInt16(0x0102);
        w.WriteUInt32(0x01020304);
        w.WriteUInt64(0x0102030405060708);
        w.WriteInt64(-2);
        w.WriteFloat64(1.5);
        w.WriteDate(19723);              // 2024-01-01
        w.WriteDateTime(1704067200);     // 2024-01-01 00:00:00
        w.WriteNullMarker(true);
        w.WriteNullMarker(false);
        w.WriteUInt64(ulong.MaxValue);
        w.EndRow();
        Assert.Equal(
            "AB" + "0201" + "04030201" + "0807060504030201" + "FEFFFFFFFFFFFFFF" + "000000000000F83F" + "0B4D" + "80009265" + "01" + "00" + "FFFFFFFFFFFFFFFF",
            Hex(buffer));
    }

    [Fact]
    public void WriteUuid_RfcBytes_WritesEachHalfLittleEndianHighFirst()
    {
        using var buffer = new PooledBufferWriter(16);
        var w = new RowBinaryWriter(buffer);
        w.BeginRow(16);
        w.WriteUuid(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"));
        w.EndRow();
        Assert.Equal("7766554433221100" + "FFEEDDCCBBAA9988", Hex(buffer));
    }

    [Theory]
    [InlineData(0, "00")]
    [InlineData(1, "01")]
    [InlineData(127, "7F")]
    [InlineData(128, "8001")]
    [InlineData(300, "AC02")]
    [InlineData(16384, "808001")]
    public void WriteString_Length_WritesLeb128Prefix(int length, string prefixHex)
    {
        byte[] value = new byte[length];
        for (int i = 0; i < value.Length; i++) value[i] = (byte)i;
        using var buffer = new PooledBufferWriter(16);
        var w = new RowBinaryWriter(buffer);
        w.BeginRow(RowBinarySizes.String(length));
        w.WriteString(value);
        w.EndRow();
        Assert.Equal(prefixHex.Length / 2 + length, buffer.WrittenCount);
        Assert.Equal(prefixHex + Convert.ToHexString(value), Hex(buffer));
    }

    [Fact]
    public void WriteTraffic_OneRow_MatchesGoldenBytesAndDeclaredSize()
    {
        using var buffer = new PooledBufferWriter(16);
        var w = new RowBinaryWriter(buffer);
        var row = new TrafficRow(
            IntervalStart: 1704067200 + 3600, IntervalSeconds: 60,
            SubscriptionId: Guid.Parse("00000000-0000-0001-0000-000000000002"),
            InboundId: Guid.Parse("00000000-0000-0003-0000-000000000004"),
            NodeId: Guid.Parse("00000000-0000-0005-0000-000000000006"),
            Seq: 7, BytesUp: 8, BytesDown: 9, ReceivedAt: 1704067200 + 3700);
        TrafficTables.WriteTraffic(ref w, row);
        Assert.Equal(TrafficTables.TrafficRowBytes, buffer.WrittenCount);
        Assert.Equal(86, TrafficTables.TrafficRowBytes);
        Assert.Equal(
            "0B4D" + "900E9265" + "3C000000"
            + "0100000000000000" + "0200000000000000"
            + "0300000000000000" + "0400000000000000"
            + "0500000000000000" + "0600000000000000"
            + "0700000000000000" + "0800000000000000" + "0900000000000000" + "F40E9265",
            Hex(buffer));
    }

    [Fact]
    public void WriteAccessLog_NoteAndMilliseconds_MatchGoldenBytes()
    {
        using var buffer = new PooledBufferWriter(16);
        var w = new RowBinaryWriter(buffer);
        var row = new AccessLogRow(1704067200_123, Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, 1, 2, 3, "hi"u8.ToArray());
        TrafficTables.WriteAccessLog(ref w, row);
        Assert.Equal(TrafficTables.AccessLogFixedBytes + 3, buffer.WrittenCount);
        string hex = Hex(buffer);
        Assert.StartsWith("0B4D" + "80009265" + "7B00", hex, StringComparison.Ordinal);
        Assert.EndsWith("0100000000000000" + "0200000000000000" + "0300000000000000" + "026869", hex, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteTraffic_TimeBeforeEpoch_ThrowsArgumentOutOfRange()
    {
        using var buffer = new PooledBufferWriter(16);
        var w = new RowBinaryWriter(buffer);
        var row = new TrafficRow(-1, 60, Guid.Empty, Guid.Empty, Guid.Empty, 1, 1, 1, 0);
        try
        {
            TrafficTables.WriteTraffic(ref w, row);
            Assert.Fail("expected an exception");
        }
        catch (ArgumentOutOfRangeException)
        {
        }
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void WriteUInt64_PastAnnouncedRowSize_ThrowsInvalidOperation()
    {
        using var buffer = new PooledBufferWriter(16);
        var ex = Record.Exception(() =>
        {
            var w = new RowBinaryWriter(buffer);
            w.BeginRow(4);
            w.WriteUInt64(1);
        });
        Assert.IsType<InvalidOperationException>(ex);
        Assert.Contains("BeginRow", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteUInt8_WithoutBeginRow_ThrowsInvalidOperation()
    {
        using var buffer = new PooledBufferWriter(16);
        var ex = Record.Exception(() =>
        {
            var w = new RowBinaryWriter(buffer);
            w.WriteUInt8(1);
        });
        Assert.IsType<InvalidOperationException>(ex);
    }

    [Fact]
    public void EndRow_ManyRows_AdvancesOncePerRowAndGrowsBuffer()
    {
        using var buffer = new PooledBufferWriter(16);
        var w = new RowBinaryWriter(buffer);
        for (int i = 0; i < 1000; i++)
        {
            w.BeginRow(8);
            w.WriteUInt32((uint)i);
            w.EndRow();
        }
        Assert.Equal(4000, buffer.WrittenCount);
        Assert.Equal(999u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(buffer.WrittenSpan[3996..]));
    }

    [Fact]
    public async Task InsertRowBinaryAsync_EveryType_RoundTripsThroughTabSeparated()
    {
        await using var db = await TestClickHouse.CreateAsync("rowbinary_every_type");
        await db.Client.ExecuteAsync(
            "CREATE TABLE all_types (id UInt32, u8 UInt8, u16 UInt16, u64 UInt64, i64 Int64, f64 Float64, d Date, dt DateTime, " +
            "uuid UUID, s String, n Nullable(UInt64)) ENGINE = MergeTree ORDER BY id", null, CancellationToken.None);
        var uuids = new[] { Guid.Parse("00112233-4455-6677-8899-aabbccddeeff"), Guid.Parse("ffeeddcc-bbaa-9988-7766-554433221100"), Guid.CreateVersion7() };

        using var buffer = new PooledBufferWriter(64);
        var w = new RowBinaryWriter(buffer);
        for (int i = 0; i < uuids.Length; i++)
        {
            byte[] s = Encoding.UTF8.GetBytes(i == 0 ? "tab\there\nnew 'q' \\ ü" : "");
            w.BeginRow(4 + 1 + 2 + 8 + 8 + 8 + 2 + 4 + 16 + RowBinarySizes.String(s.Length) + 1 + 8); // every column, at most
            w.WriteUInt32((uint)i);
            w.WriteUInt8(i == 0 ? byte.MaxValue : (byte)i);
            w.WriteUInt16(i == 0 ? ushort.MaxValue : (ushort)i);
            w.WriteUInt64(i == 0 ? ulong.MaxValue : (ulong)i);
            w.WriteInt64(i == 0 ? long.MinValue : -i);
            w.WriteFloat64(i == 0 ? 0.1 : -1.5e300);
            w.WriteDate((ushort)(19723 + i));
            w.WriteDateTime(i == 0 ? uint.MaxValue : 1704067200u + (uint)i);
            w.WriteUuid(uuids[i]);
            w.WriteString(s);
            w.WriteNullMarker(i == 1);
            if (i != 1) w.WriteUInt64((ulong)i * 10);
            w.EndRow();
        }
        await db.Client.InsertRowBinaryAsync("all_types", "id, u8, u16, u64, i64, f64, d, dt, uuid, s, n", buffer.WrittenMemory, CancellationToken.None);

        List<string[]> rows = await db.Client.QueryRowsAsync(
            "SELECT id, u8, u16, u64, i64, f64, toString(d), toUnixTimestamp(dt), toString(uuid), s, n FROM all_types ORDER BY id", null, CancellationToken.None);
        Assert.Equal(3, rows.Count);
        Assert.Equal(["0", "255", "65535", "18446744073709551615", "-9223372036854775808", "0.1", "2024-01-01", "4294967295",
            "00112233-4455-6677-8899-aabbccddeeff", "tab\there\nnew 'q' \\ ü", "0"], rows[0]);
        Assert.Equal(["1", "1", "1", "1", "-1", "-1.5e300", "2024-01-02", "1704067201",
            "ffeeddcc-bbaa-9988-7766-554433221100", "", "\\N"], rows[1]);
        Assert.Equal(uuids[2].ToString(), rows[2][8]);
        Assert.Equal("20", rows[2][10]);
    }

    [Fact]
    public async Task InsertRowBinaryAsync_Uuid_OrdersLikeServerUuidFunctions()
    {
        // The server's own view of the bytes: UUIDNumToString of the RFC bytes must equal what we inserted.
        await using var db = await TestClickHouse.CreateAsync("rowbinary_uuid");
        await db.Client.ExecuteAsync("CREATE TABLE u (u UUID) ENGINE = MergeTree ORDER BY u", null, CancellationToken.None);
        Guid g = Guid.Parse("0189a3b4-c5d6-7e8f-9012-3456789abcde");
        using var buffer = new PooledBufferWriter(64);
        var w = new RowBinaryWriter(buffer);
        w.BeginRow(RowBinarySizes.Uuid);
        w.WriteUuid(g);
        w.EndRow();
        await db.Client.InsertRowBinaryAsync("u", "u", buffer.WrittenMemory, CancellationToken.None);
        string hex = await db.TextAsync("SELECT hex(UUIDStringToNum(toString(u))) FROM u WHERE u = {g}", new ClickHouseParameters().Add("g", g));
        Assert.Equal(Convert.ToHexString(g.ToByteArray(bigEndian: true)), hex);
    }

    [Fact]
    public async Task InsertRowBinaryAsync_StringsWithEveryByteValue_RoundTripExactly()
    {
        await using var db = await TestClickHouse.CreateAsync("rowbinary_strings");
        await db.Client.ExecuteAsync("CREATE TABLE s (id UInt32, s String) ENGINE = MergeTree ORDER BY id", null, CancellationToken.None);
        byte[] all = new byte[256];
        for (int i = 0; i < all.Length; i++) all[i] = (byte)i;
        byte[] big = new byte[70_000]; // a 3-byte LEB128 prefix
        for (int i = 0; i < big.Length; i++) big[i] = (byte)(i * 7);

        using var buffer = new PooledBufferWriter(64);
        var w = new RowBinaryWriter(buffer);
        for (int i = 0; i < 256; i++)
        {
            w.BeginRow(4 + RowBinarySizes.String(1));
            w.WriteUInt32((uint)i);
            w.WriteString(all.AsSpan(i, 1));
            w.EndRow();
        }
        w.BeginRow(4 + RowBinarySizes.String(all.Length));
        w.WriteUInt32(256);
        w.WriteString(all);
        w.EndRow();
        w.BeginRow(4 + RowBinarySizes.String(big.Length));
        w.WriteUInt32(257);
        w.WriteString(big);
        w.EndRow();
        await db.Client.InsertRowBinaryAsync("s", "id, s", buffer.WrittenMemory, CancellationToken.None);

        List<string[]> rows = await db.Client.QueryRowsAsync("SELECT id, hex(s), length(s) FROM s ORDER BY id", null, CancellationToken.None);
        Assert.Equal(258, rows.Count);
        for (int i = 0; i < 256; i++) Assert.Equal(((byte)i).ToString("X2", CultureInfo.InvariantCulture), rows[i][1]);
        Assert.Equal(Convert.ToHexString(all), rows[256][1]);
        Assert.Equal(Convert.ToHexString(big), rows[257][1]);
        Assert.Equal("70000", rows[257][2]);

        // The TSV path: every byte below 0x80 survives escaping and unescaping as the same character.
        List<string[]> ascii = await db.Client.QueryRowsAsync("SELECT substring(s, 1, 128) FROM s WHERE id = 256", null, CancellationToken.None);
        Assert.Equal(Encoding.ASCII.GetString(all, 0, 128), ascii[0][0]);
    }
}
