using System.Buffers;
using Vpn.Perf.Shared.Wire.MessagePack;

namespace Vpn.Perf.Shared.Tests.Wire;

public sealed class MessagePackWriterTests
{
    [Theory]
    [InlineData(0UL, "00")]
    [InlineData(127UL, "7f")]
    [InlineData(128UL, "cc80")]
    [InlineData(255UL, "ccff")]
    [InlineData(256UL, "cd0100")]
    [InlineData(65_535UL, "cdffff")]
    [InlineData(65_536UL, "ce00010000")]
    [InlineData(4_294_967_295UL, "ceffffffff")]
    [InlineData(4_294_967_296UL, "cf0000000100000000")]
    [InlineData(ulong.MaxValue, "cfffffffffffffffff")]
    public void WriteUInt64_Boundaries_SmallestEncoding(ulong value, string hex)
    {
        Assert.Equal(hex, Write((ref MessagePackWriter w) => w.WriteUInt64(value)));
    }

    [Theory]
    [InlineData(5L, "05")]
    [InlineData(-1L, "ff")]
    [InlineData(-32L, "e0")]
    [InlineData(-33L, "d0df")]
    [InlineData(-128L, "d080")]
    [InlineData(-129L, "d1ff7f")]
    [InlineData(-32_768L, "d18000")]
    [InlineData(-32_769L, "d2ffff7fff")]
    [InlineData(-2_147_483_648L, "d280000000")]
    [InlineData(-2_147_483_649L, "d3ffffffff7fffffff")]
    [InlineData(long.MinValue, "d38000000000000000")]
    [InlineData(long.MaxValue, "cf7fffffffffffffff")]
    public void WriteInt64_Boundaries_SmallestEncoding(long value, string hex)
    {
        Assert.Equal(hex, Write((ref MessagePackWriter w) => w.WriteInt64(value)));
    }

    [Theory]
    [InlineData(0, "90", "80")]
    [InlineData(15, "9f", "8f")]
    [InlineData(16, "dc0010", "de0010")]
    [InlineData(65_535, "dcffff", "deffff")]
    [InlineData(65_536, "dd00010000", "df00010000")]
    public void WriteArrayAndMapHeader_Boundaries_SmallestEncoding(int count, string arrayHex, string mapHex)
    {
        Assert.Equal(arrayHex, Write((ref MessagePackWriter w) => w.WriteArrayHeader(count)));
        Assert.Equal(mapHex, Write((ref MessagePackWriter w) => w.WriteMapHeader(count)));
    }

    [Theory]
    [InlineData(0, "a0", "c400")]
    [InlineData(31, "bf", "c41f")]
    [InlineData(32, "d920", "c420")]
    [InlineData(255, "d9ff", "c4ff")]
    [InlineData(256, "da0100", "c50100")]
    [InlineData(65_536, "db00010000", "c600010000")]
    public void WriteStringAndBinary_Boundaries_SmallestHeaderAndPayload(int length, string strHeader, string binHeader)
    {
        var payload = new byte[length];
        Array.Fill(payload, (byte)'x');
        string hexPayload = SampleBatch.Hex(payload);

        Assert.Equal(strHeader + hexPayload, Write((ref MessagePackWriter w) => w.WriteString(payload)));
        Assert.Equal(binHeader + hexPayload, Write((ref MessagePackWriter w) => w.WriteBinary(payload)));
    }

    [Fact]
    public void WriteScalars_NilBoolUuid_KnownBytes()
    {
        Assert.Equal("c0c3c2c4100192f7a01c2b7d3e8f405a6b7c8d9e0f", Write((ref MessagePackWriter w) =>
        {
            w.WriteNil();
            w.WriteBool(true);
            w.WriteBool(false);
            w.WriteUuid(Guid.Parse("0192f7a0-1c2b-7d3e-8f40-5a6b7c8d9e0f"));
        }));
    }

    [Fact]
    public void Write_TinyOutputSegments_SameBytesAsOneBuffer()
    {
        SampleBatch batch = SampleBatch.Small();
        var tiny = new TinySegmentWriter(maxSpan: 20);
        var writer = new Vpn.Perf.Shared.Wire.TrafficReport.TrafficBatchWriter(tiny);
        writer.WriteHeader(new(1, batch.Seq, batch.SentAtMs, batch.Reports.Length));
        foreach (var report in batch.Reports)
        {
            writer.WriteReport(report);
        }

        writer.WriteAccessHeader(batch.Access.Length);
        foreach (var (accessEvent, note) in batch.Access)
        {
            writer.WriteAccess(accessEvent, note is null ? default : System.Text.Encoding.UTF8.GetBytes(note), note is not null);
        }

        writer.Complete();

        Assert.Equal(batch.Encode(), tiny.Written.ToArray());
    }

    private static string Write(Msg.WriteBody body) => SampleBatch.Hex(Msg.Build(body));

    /// <summary>An output that hands out spans of at most maxSpan bytes (but at least the hint), as a pipe's segment end would.</summary>
    private sealed class TinySegmentWriter(int maxSpan) : IBufferWriter<byte>
    {
        private readonly List<byte> _written = [];
        private byte[] _current = [];

        public IReadOnlyList<byte> Written => _written;

        public void Advance(int count) => _written.AddRange(_current.AsSpan(0, count).ToArray());

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(Math.Max(sizeHint, 1), Math.Min(maxSpan, 1 + _written.Count % maxSpan))];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
