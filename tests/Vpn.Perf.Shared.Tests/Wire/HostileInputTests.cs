using System.Buffers;
using Vpn.Perf.Shared.Wire;
using Vpn.Perf.Shared.Wire.MessagePack;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>Lengths and counts chosen to make a naive reader allocate gigabytes or recurse forever.</summary>
public sealed class HostileInputTests
{
    // The rejection itself allocates the exception, its message and stack trace: a few KB. A reader that sized anything
    // by the hostile length would allocate megabytes or gigabytes.
    private const long AllocationBudget = 32 * 1024;

    private static byte[] HeaderWithNoReports => Msg.Build((ref MessagePackWriter w) => Msg.Header(ref w, reportCount: 0));

    private static byte[] ReportPrefix(int fields) => Msg.Build((ref MessagePackWriter w) =>
    {
        Msg.Header(ref w, reportCount: 1);
        Msg.Report(ref w, fields: fields);
    });

    private static byte[] AccessPrefixWithoutNote => Msg.Build((ref MessagePackWriter w) =>
    {
        Msg.Header(ref w, reportCount: 0);
        w.WriteArrayHeader(1);
        w.WriteArrayHeader(7);
        w.WriteUuid(Msg.Sub);
        w.WriteInt64(1);
        w.WriteUuid(Msg.Sub);
        w.WriteUuid(Msg.Inbound);
        w.WriteUInt64(1);
        w.WriteUInt64(2);
    });

    public static TheoryData<string, byte[], WireError> Cases => new()
    {
        { "reports array 32 of 2^31-1", Msg.FromHex("95 01 01 01 dd 7fffffff"), WireError.CountExceedsRemainingBytes },
        { "reports array 32 of 2^32-1", Msg.FromHex("95 01 01 01 dd ffffffff"), WireError.CountExceedsRemainingBytes },
        { "batch array 32 of 2^31-1", Msg.FromHex("dd 7fffffff 01"), WireError.CountExceedsRemainingBytes },
        { "access array 32 of 2^31-1", Msg.Concat(HeaderWithNoReports, Msg.FromHex("dd 7fffffff")), WireError.CountExceedsRemainingBytes },
        { "report array 32 of 2^31-1 fields", Msg.Concat(Msg.FromHex("95 01 01 01 91 dd 7fffffff")), WireError.CountExceedsRemainingBytes },
        { "note str 32 of 4 GiB", Msg.Concat(AccessPrefixWithoutNote, Msg.FromHex("db ffffffff")), WireError.StringTooLong },
        { "note str 16 of 64 KiB", Msg.Concat(AccessPrefixWithoutNote, Msg.FromHex("da ffff")), WireError.StringTooLong },
        { "uuid bin 32 of 4 GiB", Msg.FromHex("95 01 01 01 91 96 c6 ffffffff 00 00 00 00 00 00"), WireError.BadUuidLength },
        { "unknown field bin 32 of 4 GiB", Msg.Concat(ReportPrefix(7), Msg.FromHex("c6 ffffffff")), WireError.LengthExceedsRemainingBytes },
        { "unknown field str 32 of 4 GiB", Msg.Concat(ReportPrefix(7), Msg.FromHex("db ffffffff")), WireError.LengthExceedsRemainingBytes },
        { "unknown field ext 32 of 4 GiB", Msg.Concat(ReportPrefix(7), Msg.FromHex("c9 ffffffff 01")), WireError.LengthExceedsRemainingBytes },
        { "unknown field map 32 of 2^31-1", Msg.Concat(ReportPrefix(7), Msg.FromHex("df 7fffffff")), WireError.CountExceedsRemainingBytes },
        { "unknown field array 32 of 2^32-1", Msg.Concat(ReportPrefix(7), Msg.FromHex("dd ffffffff")), WireError.CountExceedsRemainingBytes },
        { "unknown field maps nested 17 deep", Msg.Concat(ReportPrefix(7), Repeat(0x81, 0x00, 17), [0x00]), WireError.NestingTooDeep },
        { "unknown field arrays nested 100000 deep", Msg.Concat(ReportPrefix(7), Repeat(0x91, 100_000), [0xc0]), WireError.NestingTooDeep },
        { "unknown field 0xc1", Msg.Concat(ReportPrefix(7), [0xc1]), WireError.InvalidTypeCode },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_HostileLengthOrCount_ThrowsBeforeAllocating(string name, byte[] body, WireError reason)
    {
        _ = Reject(body); // warm up: JIT and first-call allocations are not the parser's

        long before = GC.GetAllocatedBytesForCurrentThread();
        WireFormatException ex = Reject(body);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(reason == ex.Reason, $"{name}: expected {reason}, got {ex.Reason}: {ex.Message}");
        Assert.True(allocated < AllocationBudget, $"{name}: allocated {allocated} bytes rejecting it.");
    }

    [Fact]
    public void Parse_NestedMapsAtSkipDepthLimit_Accepted()
    {
        // Depth 16 (Limits.MaxSkipDepth) is allowed inside an unknown field; 17 is not (above).
        byte[] body = Msg.Concat(ReportPrefix(7), Repeat(0x81, 0x00, Shared.Limits.MaxSkipDepth), [0x00], [0x90]);

        Assert.Contains("access count 0", SampleBatch.Parse(body), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CountExceedsRemaining_MessageIsQuantified()
    {
        var ex = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(Msg.FromHex("95 01 01 01 dd 7fffffff")));

        Assert.Equal(
            "The array or map at byte offset 4 declares 2147483647 elements, but a batch of at most 8388608 bytes has only 8388599 bytes left for them (each needs at least one).",
            ex.Message);
    }

    [Fact]
    public void Parse_CountOrLengthBeyondPassedMaxBatchBytes_MessageGivesThatBound()
    {
        var limits = TrafficBatchLimits.Default with { MaxBatchBytes = 1000 };

        var count = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(new ReadOnlySequence<byte>(Msg.FromHex("95 01 01 01 dc 03e8")), limits));
        byte[] prefix = ReportPrefix(7);
        var length = Assert.Throws<WireFormatException>(() => SampleBatch.Parse(new ReadOnlySequence<byte>(Msg.Concat(prefix, Msg.FromHex("c5 03e8"))), limits));

        // 1000 reports cannot follow a 4-byte prefix and a 3-byte header in 1000 bytes, although 1000 is within the count limit.
        Assert.Equal(WireError.CountExceedsRemainingBytes, count.Reason);
        Assert.Equal("The array or map at byte offset 4 declares 1000 elements, but a batch of at most 1000 bytes has only 993 bytes left for them (each needs at least one).", count.Message);
        Assert.Equal(WireError.LengthExceedsRemainingBytes, length.Reason);
        Assert.Equal($"The value at byte offset {prefix.Length} declares 1000 bytes, but a batch of at most 1000 bytes has only {1000 - prefix.Length - 3} bytes left.", length.Message);
    }

    private static WireFormatException Reject(byte[] body)
    {
        try
        {
            SampleBatch.Parse(body);
        }
        catch (WireFormatException ex)
        {
            return ex;
        }

        throw new InvalidOperationException("The hostile body parsed.");
    }

    private static byte[] Repeat(byte value, int count) => Enumerable.Repeat(value, count).ToArray();

    private static byte[] Repeat(byte first, byte second, int count) => Enumerable.Range(0, count).SelectMany(_ => new[] { first, second }).ToArray();
}
