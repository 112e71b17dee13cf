using System.Buffers;
using Vpn.Perf.Shared.Wire;
using Vpn.Perf.Shared.Wire.MessagePack;

namespace Vpn.Perf.Shared.Tests.Wire;

public sealed class MessagePackReaderTests
{
    /// <summary>Every encoding MessagePack allows for <paramref name="value"/> (unsigned and signed families).</summary>
    private static IEnumerable<byte[]> EncodingsOf(long value)
    {
        if (value is >= 0 and <= 127)
        {
            yield return [(byte)value];
        }

        if (value is >= -32 and < 0)
        {
            yield return [(byte)(sbyte)value];
        }

        if (value is >= 0 and <= byte.MaxValue)
        {
            yield return [0xcc, (byte)value];
        }

        if (value is >= 0 and <= ushort.MaxValue)
        {
            yield return [0xcd, (byte)(value >> 8), (byte)value];
        }

        if (value is >= 0 and <= uint.MaxValue)
        {
            yield return Msg.Concat([0xce], BigEndian((ulong)value, 4));
        }

        if (value >= 0)
        {
            yield return Msg.Concat([0xcf], BigEndian((ulong)value, 8));
        }

        if (value is >= sbyte.MinValue and <= sbyte.MaxValue)
        {
            yield return [0xd0, (byte)(sbyte)value];
        }

        if (value is >= short.MinValue and <= short.MaxValue)
        {
            yield return Msg.Concat([0xd1], BigEndian((ulong)value, 2));
        }

        if (value is >= int.MinValue and <= int.MaxValue)
        {
            yield return Msg.Concat([0xd2], BigEndian((ulong)value, 4));
        }

        yield return Msg.Concat([0xd3], BigEndian((ulong)value, 8));
    }

    private static byte[] BigEndian(ulong value, int bytes)
    {
        var result = new byte[bytes];
        for (int i = bytes - 1; i >= 0; i--, value >>= 8)
        {
            result[i] = (byte)value;
        }

        return result;
    }

    public static TheoryData<long> NonNegativeValues => [0, 1, 31, 32, 127, 128, 255, 256, 32_767, 32_768, 65_535, 65_536, int.MaxValue, uint.MaxValue, 1L + uint.MaxValue, long.MaxValue];

    public static TheoryData<long> NegativeValues => [-1, -32, -33, -128, -129, -32_768, -32_769, int.MinValue, int.MinValue - 1L, long.MinValue];

    [Theory]
    [MemberData(nameof(NonNegativeValues))]
    public void TryReadUInt64_EveryEncodingOfNonNegative_ReturnsValue(long value)
    {
        foreach (byte[] encoding in EncodingsOf(value))
        {
            foreach (ReadOnlySequence<byte> sequence in new[] { new ReadOnlySequence<byte>(encoding), Segments.Chunked(encoding, 1) })
            {
                var reader = Reader(sequence);
                Assert.True(reader.TryReadUInt64(out ulong u));
                Assert.Equal((ulong)value, u);
                Assert.True(reader.End);

                reader = Reader(sequence);
                Assert.True(reader.TryReadInt64(out long l));
                Assert.Equal(value, l);

                reader = Reader(sequence);
                if (value <= uint.MaxValue)
                {
                    Assert.True(reader.TryReadUInt32(out uint u32));
                    Assert.Equal((uint)value, u32);
                }
                else
                {
                    Assert.Equal(WireError.IntegerOutOfRange, ReadError(encoding, (ref MessagePackReader r) => r.TryReadUInt32(out _)));
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(NegativeValues))]
    public void TryReadInt64_EveryEncodingOfNegative_ReturnsValue(long value)
    {
        foreach (byte[] encoding in EncodingsOf(value))
        {
            var reader = Reader(Segments.Chunked(encoding, 1));
            Assert.True(reader.TryReadInt64(out long l));
            Assert.Equal(value, l);
            Assert.True(reader.End);
        }
    }

    [Theory]
    [MemberData(nameof(NegativeValues))]
    public void TryReadUInt64_Negative_ThrowsNegativeInteger(long value)
    {
        foreach (byte[] encoding in EncodingsOf(value))
        {
            Assert.Equal(WireError.NegativeInteger, ReadError(encoding, (ref MessagePackReader r) => r.TryReadUInt64(out _)));
            Assert.Equal(WireError.NegativeInteger, ReadError(encoding, (ref MessagePackReader r) => r.TryReadUInt32(out _)));
        }
    }

    [Fact]
    public void TryReadInt64_UInt64AboveInt64Max_ThrowsIntegerOutOfRange()
    {
        Assert.Equal(WireError.IntegerOutOfRange, ReadError(Msg.FromHex("cf 8000000000000000"), (ref MessagePackReader r) => r.TryReadInt64(out _)));
    }

    [Theory]
    [InlineData("c0")]                // nil
    [InlineData("c2")]                // false
    [InlineData("ca 3f800000")]       // float 32
    [InlineData("cb 3ff0000000000000")] // float 64
    [InlineData("a1 31")]             // "1"
    [InlineData("c4 01 01")]          // bin
    [InlineData("90")]                // []
    public void TryReadUInt64_NonInteger_ThrowsUnexpectedType(string hex)
    {
        Assert.Equal(WireError.UnexpectedType, ReadError(Msg.FromHex(hex), (ref MessagePackReader r) => r.TryReadUInt64(out _)));
    }

    [Theory]
    [InlineData("cd")]
    [InlineData("cd 01")]
    [InlineData("cf 00 00 00 00 00 00 00")]
    [InlineData("d3")]
    [InlineData("")]
    public void TryReadUInt64_TruncatedToken_ReturnsFalseAndConsumesNothing(string hex)
    {
        byte[] bytes = Msg.FromHex(hex);
        foreach (ReadOnlySequence<byte> sequence in new[] { new ReadOnlySequence<byte>(bytes), Segments.Chunked(bytes, 1) })
        {
            var reader = Reader(sequence);
            Assert.False(reader.TryReadUInt64(out _));
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void TryReadBoolAndNil_ReadTheirTokens()
    {
        var reader = Reader(new ReadOnlySequence<byte>(Msg.FromHex("c3 c2 c0")));

        Assert.True(reader.TryReadBool(out bool t) && t);
        Assert.True(reader.TryReadBool(out bool f) && !f);
        Assert.True(reader.TryPeekNil(out bool isNil) && isNil);
        Assert.True(reader.TryReadNil());
        Assert.False(reader.TryPeekNil(out _));
        Assert.False(reader.TryReadNil());
        Assert.False(reader.TryReadBool(out _));
    }

    [Fact]
    public void TryReadNil_OtherValue_ThrowsUnexpectedType()
    {
        Assert.Equal(WireError.UnexpectedType, ReadError(Msg.FromHex("00"), (ref MessagePackReader r) => r.TryReadNil()));
        Assert.Equal(WireError.UnexpectedType, ReadError(Msg.FromHex("c0"), (ref MessagePackReader r) => r.TryReadBool(out _)));
    }

    [Fact]
    public void TryReadUuid_RfcByteOrder_MatchesCanonicalText()
    {
        byte[] bytes = Msg.FromHex("c4 10 0192f7a01c2b7d3e8f405a6b7c8d9e0f");
        for (int size = 1; size <= bytes.Length; size++)
        {
            var reader = Reader(Segments.Chunked(bytes, size));
            Assert.True(reader.TryReadUuid(out Guid id));
            Assert.Equal(Guid.Parse("0192f7a0-1c2b-7d3e-8f40-5a6b7c8d9e0f"), id);
        }
    }

    [Fact]
    public void TryReadStringOrNil_StrFormats_ReturnSliceWithoutCopy()
    {
        byte[] bytes = Msg.FromHex("a2 6f 6b d9 02 6f 6b da 0002 6f 6b db 00000002 6f 6b c0 a0");
        var reader = Reader(new ReadOnlySequence<byte>(bytes));
        for (int i = 0; i < 4; i++)
        {
            Assert.True(reader.TryReadStringOrNil(2, out ReadOnlySequence<byte> utf8, out bool isNil));
            Assert.False(isNil);
            Assert.Equal("ok"u8.ToArray(), utf8.ToArray());
        }

        Assert.True(reader.TryReadStringOrNil(2, out ReadOnlySequence<byte> nil, out bool wasNil));
        Assert.True(wasNil && nil.IsEmpty);
        Assert.True(reader.TryReadStringOrNil(2, out ReadOnlySequence<byte> empty, out bool emptyNil));
        Assert.True(!emptyNil && empty.IsEmpty);
    }

    [Fact]
    public void TryReadStringOrNil_TruncatedPayload_ReturnsFalseAndConsumesNothing()
    {
        var reader = Reader(new ReadOnlySequence<byte>(Msg.FromHex("a3 6f 6b")));

        Assert.False(reader.TryReadStringOrNil(10, out _, out _));
        Assert.Equal(0, reader.Consumed);
    }

    [Theory]
    [InlineData("c0")]
    [InlineData("7f")]
    [InlineData("e0")]
    [InlineData("cc ff")]
    [InlineData("d1 8000")]
    [InlineData("ca 00000000")]
    [InlineData("cb 0000000000000000")]
    [InlineData("d4 01 00")]
    [InlineData("d8 01 00000000000000000000000000000000")]
    [InlineData("c7 02 01 0000")]
    [InlineData("c8 0002 01 0000")]
    [InlineData("c9 00000002 01 0000")]
    [InlineData("a1 61")]
    [InlineData("c5 0001 00")]
    [InlineData("92 81 a1 61 90 c3")]                     // [{"a": []}, true]
    [InlineData("df 00000001 c0 dd 00000001 dc 0000")]  // map32 {nil: array32[array16[]]}
    public void TrySkip_AnyValue_ConsumesExactlyIt(string hex)
    {
        byte[] bytes = Msg.Concat(Msg.FromHex(hex), [0x2a]);
        for (int size = 1; size <= bytes.Length; size++)
        {
            var reader = Reader(Segments.Chunked(bytes, size));
            Assert.True(reader.TrySkip());
            Assert.True(reader.TryReadUInt64(out ulong marker));
            Assert.Equal(42UL, marker);
        }
    }

    [Fact]
    public void TrySkip_EveryPrefixOfNestedValue_ReturnsFalseAndConsumesNothing()
    {
        byte[] bytes = Msg.FromHex("93 81 a1 61 92 01 c4 02 0000 c9 00000002 01 0000 cb 3ff0000000000000");
        for (int length = 0; length < bytes.Length; length++)
        {
            var reader = Reader(new ReadOnlySequence<byte>(bytes, 0, length));
            Assert.False(reader.TrySkip());
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void TrySkip_NeverUsedByte_ThrowsInvalidTypeCode()
    {
        Assert.Equal(WireError.InvalidTypeCode, ReadError(Msg.FromHex("c1"), (ref MessagePackReader r) => r.TrySkip()));
    }

    [Fact]
    public void TrySkip_NestingBeyondPassedDepth_ThrowsNestingTooDeepWithThatDepth()
    {
        var twoDeep = new MessagePackReader(new ReadOnlySequence<byte>(Msg.FromHex("91 91 c0")), 100, maxSkipDepth: 2);
        var threeDeep = new MessagePackReader(new ReadOnlySequence<byte>(Msg.FromHex("91 91 91 c0")), 100, maxSkipDepth: 2);

        Assert.True(twoDeep.TrySkip() && twoDeep.End);
        WireFormatException ex;
        try
        {
            threeDeep.TrySkip();
            throw new InvalidOperationException("Three levels were skipped with a limit of two.");
        }
        catch (WireFormatException caught)
        {
            ex = caught;
        }

        Assert.Equal(WireError.NestingTooDeep, ex.Reason);
        Assert.Equal("The skipped value at byte offset 2 nests deeper than 2 levels, the most a reader follows.", ex.Message);
    }

    [Fact]
    public void Constructor_MessageLongerThanItsBound_ThrowsArgumentOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MessagePackReader(new ReadOnlySequence<byte>(new byte[11]), 10, 1));
    }

    [Theory]
    [InlineData("c5 0010")]
    [InlineData("c6 00000010")]
    public void TryReadUuid_Bin16And32HeadersInAnySegmentation_ReturnValue(string header)
    {
        byte[] bytes = Msg.Concat(Msg.FromHex(header), Msg.FromHex("0192f7a01c2b7d3e8f405a6b7c8d9e0f"));
        for (int size = 1; size <= bytes.Length; size++)
        {
            var reader = Reader(Segments.Chunked(bytes, size));
            Assert.True(reader.TryReadUuid(out Guid id));
            Assert.Equal(Guid.Parse("0192f7a0-1c2b-7d3e-8f40-5a6b7c8d9e0f"), id);
            Assert.True(reader.End);
        }
    }

    [Theory]
    [InlineData("c4 0f", WireError.BadUuidLength)]        // bin 8 of 15 bytes
    [InlineData("c6 ffffffff", WireError.BadUuidLength)]  // bin 32 of 4 GiB: refused before its payload is looked for
    [InlineData("b0", WireError.UnexpectedType)]          // fixstr of 16 bytes
    [InlineData("cd 0010", WireError.UnexpectedType)]     // uint 16
    public void TryReadUuid_NotABinOf16InAnySegmentation_ThrowsSpecificReason(string header, WireError reason)
    {
        byte[] bytes = Msg.Concat(Msg.FromHex(header), new byte[16]);
        for (int size = 1; size <= bytes.Length; size++)
        {
            WireError error = WireError.None;
            try
            {
                var reader = Reader(Segments.Chunked(bytes, size));
                reader.TryReadUuid(out _);
            }
            catch (WireFormatException ex)
            {
                error = ex.Reason;
            }

            Assert.True(reason == error, $"Segments of {size}: {error}");
        }
    }

    [Theory]
    [InlineData("c4 10 0102030405060708090a0b0c0d0e0f")] // 15 of the 16 bytes
    [InlineData("c4")]
    [InlineData("c5 00")]
    [InlineData("")]
    public void TryReadUuid_TruncatedToken_ReturnsFalseAndConsumesNothing(string hex)
    {
        byte[] bytes = Msg.FromHex(hex);
        foreach (ReadOnlySequence<byte> sequence in new[] { new ReadOnlySequence<byte>(bytes), Segments.Chunked(bytes, 1) })
        {
            var reader = Reader(sequence);
            Assert.False(reader.TryReadUuid(out _));
            Assert.Equal(0, reader.Consumed);
        }
    }

    private delegate bool ReadAction(ref MessagePackReader reader);

    // The traffic batch's bounds: any message these tests build is far inside them.
    private static MessagePackReader Reader(in ReadOnlySequence<byte> message) => new(message, Shared.Limits.MaxBatchBytes, Shared.Limits.MaxSkipDepth);

    private static WireError ReadError(byte[] bytes, ReadAction read)
    {
        try
        {
            var reader = Reader(new ReadOnlySequence<byte>(bytes));
            read(ref reader);
        }
        catch (WireFormatException ex)
        {
            return ex.Reason;
        }

        return WireError.None;
    }
}
