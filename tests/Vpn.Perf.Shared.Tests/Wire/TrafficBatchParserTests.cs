using System.Buffers;
using System.Text;
using Vpn.Perf.Shared.Wire;
using Vpn.Perf.Shared.Wire.MessagePack;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Shared.Tests.Wire;

public sealed class TrafficBatchParserTests
{
    /// <summary>The golden fixture's bytes, annotated byte by byte in docs/wire-format.md. Never change: append a new fixture.</summary>
    internal const string GoldenHex =
        "95" + "01" + "07" + "cf0000019aa94d32bb" +
        "91" +
        "96" + "c410" + "0192f7a01c2b7d3e8f405a6b7c8d9e0f" + "c410" + "0192f7a0000070008000000000000001" +
        "cd03e8" + "ce00011170" + "ce692119ac" + "3c" +
        "91" +
        "97" + "c410" + "0192f7a01c2b7d3e8f40000000000042" + "cf0000019aa94d2e58" +
        "c410" + "0192f7a01c2b7d3e8f405a6b7c8d9e0f" + "c410" + "0192f7a0000070008000000000000001" +
        "ccc8" + "05" + "a26f6b";

    [Fact]
    public void Parse_WriterOutput_RoundTrips()
    {
        SampleBatch batch = SampleBatch.Small();

        Assert.Equal(batch.ExpectedDump(), SampleBatch.Parse(batch.Encode()));
    }

    [Fact]
    public void Encode_GoldenBatch_MatchesFixtureHex()
    {
        Assert.Equal(GoldenHex, SampleBatch.Hex(SampleBatch.Golden().Encode()));
    }

    [Fact]
    public void Parse_GoldenFixtureHex_YieldsGoldenBatch()
    {
        Assert.Equal(SampleBatch.Golden().ExpectedDump(), SampleBatch.Parse(Convert.FromHexString(GoldenHex)));
    }

    [Fact]
    public void Parse_EmptyReportsAndAccess_RoundTrips()
    {
        var batch = new SampleBatch(0, 0, [], []);

        Assert.Equal(batch.ExpectedDump(), SampleBatch.Parse(batch.Encode()));
    }

    [Fact]
    public void Parse_EveryPrefix_ThrowsTruncated()
    {
        byte[] body = SampleBatch.Small().Encode();
        for (int length = 0; length < body.Length; length++)
        {
            var ex = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body.AsSpan(0, length).ToArray()));
            Assert.True(ex.Reason == WireError.Truncated, $"Prefix of {length} bytes: {ex.Reason}: {ex.Message}");
        }
    }

    [Fact]
    public void Parse_EverySplitPoint_ParsesIdentically()
    {
        SampleBatch batch = SampleBatch.Small();
        byte[] body = batch.Encode();
        string expected = batch.ExpectedDump();
        for (int split = 1; split < body.Length; split++)
        {
            Assert.Equal(expected, SampleBatch.Parse(Segments.SplitAt(body, split)));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(17)]
    public void Parse_SmallSegments_ParsesIdentically(int segmentSize)
    {
        SampleBatch batch = SampleBatch.Small();

        Assert.Equal(batch.ExpectedDump(), SampleBatch.Parse(Segments.Chunked(batch.Encode(), segmentSize)));
    }

    [Fact]
    public void Parse_Version2_ThrowsUnsupportedVersion()
    {
        byte[] body = Msg.Build((ref MessagePackWriter w) =>
        {
            Msg.Header(ref w, reportCount: 0, version: 2);
            w.WriteArrayHeader(0);
        });

        var ex = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body));
        Assert.Equal(WireError.UnsupportedVersion, ex.Reason);
        Assert.Equal("Batch version 2 is not supported; this server reads version 1.", ex.Message);
    }

    [Fact]
    public void Parse_VersionOnlyArrayOfOtherVersion_ThrowsUnsupportedVersionNotTooFewFields()
    {
        byte[] body = Msg.FromHex("91 02"); // [2]: a future layout gets a version error, not a shape error

        Assert.Equal(WireError.UnsupportedVersion, Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body)).Reason);
    }

    [Theory]
    [InlineData("90")]             // []
    [InlineData("94 01 01 01 90")] // [1, 1, 1, []]
    public void Parse_BatchArrayTooShort_ThrowsTooFewFields(string hex)
    {
        var ex = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(Msg.FromHex(hex)));

        Assert.Equal(WireError.TooFewFields, ex.Reason);
    }

    [Fact]
    public void Parse_ReportArrayTooShort_ThrowsTooFewFields()
    {
        byte[] body = Msg.Build((ref MessagePackWriter w) =>
        {
            Msg.Header(ref w, reportCount: 2);
            Msg.Report(ref w);
            w.WriteArrayHeader(5);
            w.WriteUuid(Msg.Sub);
            w.WriteUuid(Msg.Inbound);
            w.WriteUInt64(1);
            w.WriteUInt64(2);
            w.WriteInt64(3);
            w.WriteArrayHeader(0);
        });

        var ex = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body));
        Assert.Equal(WireError.TooFewFields, ex.Reason);
        Assert.Equal("Report 1 has 5 fields; version 1 defines 6.", ex.Message);
    }

    [Fact]
    public void Parse_AccessArrayTooShort_ThrowsTooFewFields()
    {
        byte[] body = Msg.Build((ref MessagePackWriter w) =>
        {
            Msg.Header(ref w, reportCount: 0);
            w.WriteArrayHeader(1);
            w.WriteArrayHeader(6);
            w.WriteUuid(Msg.Sub);
            w.WriteInt64(1);
            w.WriteUuid(Msg.Sub);
            w.WriteUuid(Msg.Inbound);
            w.WriteUInt64(1);
            w.WriteUInt64(2);
        });

        Assert.Equal(WireError.TooFewFields, Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body)).Reason);
    }

    [Fact]
    public void Parse_UnknownTrailingFields_AreSkipped()
    {
        byte[] body = Msg.Build((ref MessagePackWriter w) =>
        {
            Msg.Header(ref w, reportCount: 1, fields: 7);
            Msg.Report(ref w, fields: 8);
            w.WriteMapHeader(1); // a future report field: { "k": [nil, true, -1.0?] } (floats and ext are skipped too)
            w.WriteString("k"u8);
            w.WriteArrayHeader(2);
            w.WriteNil();
            w.WriteBool(true);
            w.WriteBinary(new byte[300]);
            w.WriteArrayHeader(1);
            Msg.Access(ref w, "n"u8, fields: 8);
            w.WriteInt64(-123_456_789_012);
            w.WriteString(Encoding.UTF8.GetBytes(new string('x', 70_000))); // batch field 6: str 32
            w.WriteArrayHeader(0);                                               // batch field 7
        });
        byte[] withFloatAndExt = Msg.Concat(body[..^1], Msg.FromHex("92 cb 3ff0000000000000 d6 01 00000000")); // field 7: [1.0, fixext4]

        Assert.Equal(
            "header BatchHeader { Version = 1, Seq = 1, SentAtMs = 1763777000123, ReportCount = 1 }",
            SampleBatch.Parse(body).Split(Environment.NewLine)[0]);
        Assert.Contains("note \"n\"", SampleBatch.Parse(withFloatAndExt), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BytesAfterBatch_ThrowsTrailingBytes()
    {
        byte[] body = Msg.Concat(SampleBatch.Golden().Encode(), [0xc0, 0xc0]);

        var ex = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body));
        Assert.Equal(WireError.TrailingBytes, ex.Reason);
        Assert.Equal("The batch ends at byte offset 135, but 2 more bytes follow it.", ex.Message);
    }

    [Fact]
    public void Parse_ReportCountAboveLimit_ThrowsCountExceedsLimit()
    {
        int count = Shared.Limits.MaxReportsPerBatch + 1;
        byte[] body = Msg.Build((ref MessagePackWriter w) =>
        {
            Msg.Header(ref w, reportCount: count);
            for (int i = 0; i < count; i++)
            {
                w.WriteNil(); // enough bytes that the count is plausible; the limit must stop it before any is read
            }
        });

        var ex = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body));
        Assert.Equal(WireError.CountExceedsLimit, ex.Reason);
        Assert.Equal("Report batch has 65537 items; the limit is 65536 (TrafficBatchLimits.MaxReportsPerBatch).", ex.Message);
    }

    [Fact]
    public void Parse_AccessCountAboveLimit_ThrowsCountExceedsLimit()
    {
        int count = Shared.Limits.MaxAccessPerBatch + 1;
        byte[] body = Msg.Build((ref MessagePackWriter w) =>
        {
            Msg.Header(ref w, reportCount: 0);
            w.WriteArrayHeader(count);
            for (int i = 0; i < count; i++)
            {
                w.WriteNil();
            }
        });

        Assert.Equal(WireError.CountExceedsLimit, Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body)).Reason);
    }

    [Fact]
    public void Parse_CountsAbovePassedLimits_ThrowCountExceedsLimitNamingThem()
    {
        byte[] body = SampleBatch.Small().Encode(); // 3 reports, 4 access events

        var reports = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(new ReadOnlySequence<byte>(body), TrafficBatchLimits.Default with { MaxReportsPerBatch = 2 }));
        var access = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(new ReadOnlySequence<byte>(body), TrafficBatchLimits.Default with { MaxAccessPerBatch = 3 }));

        Assert.Equal(WireError.CountExceedsLimit, reports.Reason);
        Assert.Equal("Report batch has 3 items; the limit is 2 (TrafficBatchLimits.MaxReportsPerBatch).", reports.Message);
        Assert.Equal(WireError.CountExceedsLimit, access.Reason);
        Assert.Equal("Access event array has 4 items; the limit is 3 (TrafficBatchLimits.MaxAccessPerBatch).", access.Message);
    }

    [Fact]
    public void Parse_CountsAtPassedLimits_Accepted()
    {
        SampleBatch batch = SampleBatch.Small();
        var limits = new TrafficBatchLimits(batch.Encode().Length, batch.Reports.Length, batch.Access.Length);

        Assert.Equal(batch.ExpectedDump(), SampleBatch.Parse(Segments.Chunked(batch.Encode(), 3), limits));
    }

    [Theory]
    [InlineData((1UL << 50) + 1, 0UL, 60u, "Report 0 field bytes_up is 1125899906842625; the limit is 1125899906842624 (Limits.MaxBytesPerReport).")]
    [InlineData(0UL, ulong.MaxValue, 60u, "Report 0 field bytes_down is 18446744073709551615; the limit is 1125899906842624 (Limits.MaxBytesPerReport).")]
    [InlineData(0UL, 0UL, 86_401u, "Report 0 field interval_seconds is 86401; the limit is 86400 (Limits.MaxIntervalSeconds).")]
    public void Parse_ReportValueAboveLimit_ThrowsValueOutOfRange(ulong up, ulong down, uint seconds, string message)
    {
        var ex = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(Msg.OneReportBatch(up, down, seconds)));

        Assert.Equal(WireError.ValueOutOfRange, ex.Reason);
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void Parse_ReportValuesAtLimit_Accepted()
    {
        string dump = SampleBatch.Parse(Msg.OneReportBatch(Shared.Limits.MaxBytesPerReport, Shared.Limits.MaxBytesPerReport, Shared.Limits.MaxIntervalSeconds));

        Assert.Contains("BytesDown = 1125899906842624", dump, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NegativeByteCount_ThrowsNegativeInteger()
    {
        byte[] body = Msg.OneReportBatch();
        int at = Array.IndexOf(body, (byte)10); // bytes_up = 10 is the first 0x0a (a positive fixint)
        body[at] = 0xff;                        // -1 as a negative fixint

        Assert.Equal(WireError.NegativeInteger, Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body)).Reason);
    }

    [Theory]
    [InlineData("c4 0f", 15, WireError.BadUuidLength)]  // bin 8 of 15 bytes
    [InlineData("c4 11", 17, WireError.BadUuidLength)]  // bin 8 of 17 bytes
    [InlineData("b0", 16, WireError.UnexpectedType)]    // fixstr of 16 bytes
    public void Parse_BadUuid_ThrowsSpecificReason(string header, int length, WireError reason)
    {
        byte[] body = Msg.Build((ref MessagePackWriter w) =>
        {
            Msg.Header(ref w, reportCount: 1);
            w.WriteArrayHeader(6);
        });
        body = Msg.Concat(body, Msg.FromHex(header), new byte[length], Msg.FromHex("c410"), new byte[16], Msg.FromHex("01 01 01 01 90"));

        Assert.Equal(reason, Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body)).Reason);
    }

    [Fact]
    public void Parse_UuidAsBin16And32Headers_Accepted()
    {
        byte[] body = Msg.Build((ref MessagePackWriter w) =>
        {
            Msg.Header(ref w, reportCount: 1);
            w.WriteArrayHeader(6);
        });
        byte[] uuid = Msg.Sub.ToByteArray(bigEndian: true);
        body = Msg.Concat(body, Msg.FromHex("c5 0010"), uuid, Msg.FromHex("c6 00000010"), uuid, Msg.FromHex("01 02 03 04 90"));

        Assert.Contains($"SubscriptionId = {Msg.Sub}, InboundId = {Msg.Sub}", SampleBatch.Parse(body), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoteTooLong_ThrowsStringTooLong()
    {
        byte[] body = Msg.Build((ref MessagePackWriter w) =>
        {
            Msg.Header(ref w, reportCount: 0);
            w.WriteArrayHeader(1);
            Msg.Access(ref w, new byte[Shared.Limits.MaxNoteBytes + 1]);
        });

        var ex = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body));
        Assert.Equal(WireError.StringTooLong, ex.Reason);
        Assert.EndsWith("is 257 bytes; the limit is 256.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoteAtLimitAcrossSegments_DeliveredWhole()
    {
        string note = new('é', Shared.Limits.MaxNoteBytes / 2);
        var batch = new SampleBatch(1, 1, [], [(new AccessEvent(Msg.Sub, 1, Msg.Sub, Msg.Inbound, 1, 2), note)]);
        byte[] body = batch.Encode();

        Assert.Equal(batch.ExpectedDump(), SampleBatch.Parse(Segments.Chunked(body, 5)));
    }

    [Theory]
    [InlineData(new byte[] { 0xff })]             // never valid in UTF-8
    [InlineData(new byte[] { 0xc3 })]             // a truncated two-byte sequence
    [InlineData(new byte[] { 0xed, 0xa0, 0x80 })] // an encoded UTF-16 surrogate
    public void Parse_InvalidUtf8Note_ThrowsInvalidUtf8(byte[] note)
    {
        byte[] body = Msg.Build((ref MessagePackWriter w) =>
        {
            Msg.Header(ref w, reportCount: 0);
            w.WriteArrayHeader(1);
            Msg.Access(ref w, note);
        });

        Assert.Equal(WireError.InvalidUtf8, Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body)).Reason);
        Assert.Equal(WireError.InvalidUtf8, Assert.Throws<WireFormatException>(() => SampleBatch.Parse(Segments.Chunked(body, 1))).Reason);
    }

    [Fact]
    public void Parse_BodyAboveMaxBatchBytes_ThrowsBodyTooLarge()
    {
        var body = new byte[Shared.Limits.MaxBatchBytes + 1];

        Assert.Equal(WireError.BodyTooLarge, Assert.Throws<WireFormatException>(() => SampleBatch.Parse(body)).Reason);
    }

    [Fact]
    public void Parse_BodyAbovePassedMaxBatchBytes_ThrowsBodyTooLargeWithThatBound()
    {
        byte[] body = SampleBatch.Golden().Encode(); // 135 bytes
        var limits = TrafficBatchLimits.Default with { MaxBatchBytes = body.Length - 1 };

        var ex = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(new ReadOnlySequence<byte>(body), limits));

        Assert.Equal(WireError.BodyTooLarge, ex.Reason);
        Assert.Equal("The batch body is 135 bytes; the limit is 134 (TrafficBatchLimits.MaxBatchBytes).", ex.Message);
        Assert.Equal(SampleBatch.Golden().ExpectedDump(), SampleBatch.Parse(new ReadOnlySequence<byte>(body), limits with { MaxBatchBytes = body.Length }));
    }

    [Fact]
    public void Parse_MapInsteadOfBatch_ThrowsUnexpectedTypeWithOffset()
    {
        var ex = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(Msg.FromHex("80")));

        Assert.Equal(WireError.UnexpectedType, ex.Reason);
        Assert.Equal("Expected array at byte offset 0, found fixmap.", ex.Message);
    }

    [Fact]
    public void Write_MoreReportsThanDeclared_ThrowsInvalidOperation()
    {
        var output = new ArrayBufferWriter<byte>();

        Assert.Throws<InvalidOperationException>(() =>
        {
            var writer = new TrafficBatchWriter(output);
            writer.WriteHeader(new BatchHeader(1, 1, 1, 1));
            writer.WriteReport(default);
            writer.WriteReport(default);
        });
    }
}
