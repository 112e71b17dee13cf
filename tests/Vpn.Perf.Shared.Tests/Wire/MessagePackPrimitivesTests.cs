using Vpn.Perf.Shared.Wire.MessagePack;
using DecodeResult = Vpn.Perf.Shared.Wire.MessagePack.MessagePackPrimitives.DecodeResult;
using HeaderKind = Vpn.Perf.Shared.Wire.MessagePack.MessagePackPrimitives.HeaderKind;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>The span decoders: what each token decodes to, how many bytes it takes, and that every prefix asks for more.</summary>
public sealed class MessagePackPrimitivesTests
{
    [Theory]
    [InlineData("00", 0UL, false)]
    [InlineData("7f", 127UL, false)]
    [InlineData("ff", ulong.MaxValue, true)]                       // -1, sign-extended
    [InlineData("cc ff", 255UL, false)]
    [InlineData("cd 0100", 256UL, false)]
    [InlineData("ce 00010000", 65_536UL, false)]
    [InlineData("cf 0000000100000000", 4_294_967_296UL, false)]
    [InlineData("d0 80", 0xffffffffffffff80UL, true)]              // -128
    [InlineData("d1 7fff", 32_767UL, false)]
    [InlineData("d2 80000000", 0xffffffff80000000UL, true)]        // int.MinValue
    [InlineData("d3 7fffffffffffffff", (ulong)long.MaxValue, false)]
    public void TryReadInteger_EachEncoding_ValueAndTokenSizeAndEveryPrefixInsufficient(string hex, ulong expected, bool expectedNegative)
    {
        byte[] token = Msg.FromHex(hex);
        byte[] followed = Msg.Concat(token, [0xc0]); // a following token is not part of this one

        Assert.Equal(DecodeResult.Success, MessagePackPrimitives.TryReadInteger(followed, out ulong value, out bool negative, out int size));
        Assert.Equal((expected, expectedNegative, token.Length), (value, negative, size));
        for (int length = 0; length < token.Length; length++)
        {
            Assert.Equal(DecodeResult.InsufficientBuffer, MessagePackPrimitives.TryReadInteger(token.AsSpan(0, length), out _, out _, out size));
            Assert.Equal(0, size);
        }
    }

    [Theory]
    [InlineData("c0")]
    [InlineData("ca 3f800000")]
    [InlineData("a1 31")]
    [InlineData("c4 01 01")]
    [InlineData("90")]
    public void TryReadInteger_OtherType_TokenMismatch(string hex)
    {
        Assert.Equal(DecodeResult.TokenMismatch, MessagePackPrimitives.TryReadInteger(Msg.FromHex(hex), out _, out _, out int size));
        Assert.Equal(0, size);
    }

    [Theory]
    [InlineData("8f", "Map", 15u, 1)]
    [InlineData("96", "Array", 6u, 1)]
    [InlineData("bf", "Str", 31u, 1)]
    [InlineData("d9 20", "Str", 32u, 2)]
    [InlineData("c4 10", "Bin", 16u, 2)]
    [InlineData("c7 02", "Ext", 2u, 2)]                   // the ext type byte that follows is not counted
    [InlineData("da 0100", "Str", 256u, 3)]
    [InlineData("c5 0100", "Bin", 256u, 3)]
    [InlineData("c8 0100", "Ext", 256u, 3)]
    [InlineData("dc 0010", "Array", 16u, 3)]
    [InlineData("de 0010", "Map", 16u, 3)]
    [InlineData("db ffffffff", "Str", uint.MaxValue, 5)]
    [InlineData("c6 00010000", "Bin", 65_536u, 5)]
    [InlineData("c9 00000001", "Ext", 1u, 5)]
    [InlineData("dd 7fffffff", "Array", 2_147_483_647u, 5)]
    [InlineData("df 00000001", "Map", 1u, 5)]
    public void TryReadHeader_EachForm_KindLengthTokenSizeAndEveryPrefixInsufficient(string hex, string kind, uint length, int tokenSize)
    {
        byte[] header = Msg.FromHex(hex);

        Assert.Equal(DecodeResult.Success, MessagePackPrimitives.TryReadHeader(header, out HeaderKind k, out uint n, out int size));
        Assert.Equal((kind, length, tokenSize), (k.ToString(), n, size)); // the kind by name: the enum is internal
        for (int prefix = 0; prefix < header.Length; prefix++)
        {
            Assert.Equal(DecodeResult.InsufficientBuffer, MessagePackPrimitives.TryReadHeader(header.AsSpan(0, prefix), out _, out _, out size));
            Assert.Equal(0, size);
        }
    }

    [Theory]
    [InlineData("00")]
    [InlineData("c0")]
    [InlineData("c1")]
    [InlineData("cb")]
    [InlineData("d4")]
    [InlineData("e0")]
    public void TryReadHeader_NotAHeader_TokenMismatch(string hex)
    {
        Assert.Equal(DecodeResult.TokenMismatch, MessagePackPrimitives.TryReadHeader(Msg.FromHex(hex), out _, out _, out int size));
        Assert.Equal(0, size);
    }

    [Theory]
    [InlineData("c4 10", 18)]
    [InlineData("c5 0010", 19)]
    [InlineData("c6 00000010", 21)]
    public void TryReadUuid_EachBinHeader_ValueTokenSizeAndEveryPrefixInsufficient(string header, int tokenSize)
    {
        byte[] token = Msg.Concat(Msg.FromHex(header), Msg.FromHex("0192f7a01c2b7d3e8f405a6b7c8d9e0f"));

        Assert.Equal(DecodeResult.Success, MessagePackPrimitives.TryReadUuid(Msg.Concat(token, [0xc0]), out Guid value, out int size));
        Assert.Equal((Guid.Parse("0192f7a0-1c2b-7d3e-8f40-5a6b7c8d9e0f"), tokenSize), (value, size));
        for (int length = 0; length < token.Length; length++)
        {
            Assert.Equal(DecodeResult.InsufficientBuffer, MessagePackPrimitives.TryReadUuid(token.AsSpan(0, length), out _, out size));
            Assert.Equal(0, size);
        }
    }

    [Theory]
    [InlineData("c4 0f")]         // bin 8 of 15
    [InlineData("c6 ffffffff")]   // bin 32 of 4 GiB: a mismatch at once, not a wait for its payload
    [InlineData("b0")]            // fixstr of 16
    [InlineData("00")]
    public void TryReadUuid_NotABinOf16_TokenMismatch(string hex)
    {
        Assert.Equal(DecodeResult.TokenMismatch, MessagePackPrimitives.TryReadUuid(Msg.FromHex(hex), out _, out int size));
        Assert.Equal(0, size);
    }
}
