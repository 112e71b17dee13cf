using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Wire.RowBinary;

namespace Vpn.Perf.Shared.Tests.Wire.RowBinary;

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
}
