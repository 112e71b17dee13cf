using System.Buffers;
using System.Text;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Shared.Tests.Redis;

public class RespReplyReaderTests
{
    private static readonly byte[] Binary = [0, 1, (byte)'\r', (byte)'\n', 0xFF, (byte)'$', (byte)'*', 0x80];

    /// <summary>Wire bytes and the reply they encode; covers every type, null forms, empties and nesting.</summary>
    public static TheoryData<string, byte[], RespValue> Samples()
    {
        var data = new TheoryData<string, byte[], RespValue>();
        void Add(string name, byte[] wire, RespValue value) => data.Add(name, wire, value);
        static byte[] A(string s) => Encoding.ASCII.GetBytes(s);

        Add("ok", A("+OK\r\n"), RespValue.SimpleString("OK"));
        Add("empty simple", A("+\r\n"), RespValue.SimpleString(""));
        Add("error", A("-ERR unknown command 'FOO'\r\n"), RespValue.Error("ERR unknown command 'FOO'"));
        Add("zero", A(":0\r\n"), RespValue.Integer(0));
        Add("min", A(":-9223372036854775808\r\n"), RespValue.Integer(long.MinValue));
        Add("max", A(":9223372036854775807\r\n"), RespValue.Integer(long.MaxValue));
        Add("empty bulk", A("$0\r\n\r\n"), RespValue.BulkString([]));
        Add("null bulk", A("$-1\r\n"), RespValue.BulkString(null));
        Add("bulk", A("$5\r\nhello\r\n"), RespValue.BulkString(A("hello")));
        Add("binary bulk", [.. A("$8\r\n"), .. Binary, .. A("\r\n")], RespValue.BulkString(Binary));
        Add("null array", A("*-1\r\n"), RespValue.Array(null));
        Add("empty array", A("*0\r\n"), RespValue.Array([]));
        Add("nested", A("*3\r\n:1\r\n$3\r\nabc\r\n*2\r\n+x\r\n$-1\r\n"), RespValue.Array(
        [
            RespValue.Integer(1),
            RespValue.BulkString(A("abc")),
            RespValue.Array([RespValue.SimpleString("x"), RespValue.BulkString(null)]),
        ]));
        Add("script reply", A("*4\r\n:250\r\n:0\r\n*2\r\n$32\r\n0123456789abcdef0123456789abcdef\r\n:-1\r\n-ERR inner\r\n"),
            RespValue.Array(
            [
                RespValue.Integer(250),
                RespValue.Integer(0),
                RespValue.Array([RespValue.BulkString(A("0123456789abcdef0123456789abcdef")), RespValue.Integer(-1)]),
                RespValue.Error("ERR inner"),
            ]));
        return data;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void TryRead_WholeReply_ReturnsValueAndConsumesIt(string name, byte[] wire, RespValue expected)
    {
        var reader = new RespReplyReader(new ReadOnlySequence<byte>(wire));
        Assert.True(reader.TryRead(out RespValue actual), name);
        RespAssert.Same(expected, actual);
        Assert.Equal(wire.Length, reader.Consumed);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void TryRead_EveryPrefix_ReturnsFalseAndConsumesNothing(string name, byte[] wire, RespValue expected)
    {
        _ = expected;
        for (int length = 0; length < wire.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(wire, 0, length);
            var reader = new RespReplyReader(buffer);
            Assert.False(reader.TryRead(out _), $"{name}: prefix of {length} bytes");
            Assert.Equal(0, reader.Consumed);
            Assert.Equal(buffer.Start, reader.Position);
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void TryRead_EverySplitPointAndOneByteSegments_ParsesIdentically(string name, byte[] wire, RespValue expected)
    {
        for (int cut = 1; cut < wire.Length; cut++)
            AssertParses(Segments.SplitAt(wire, cut), $"{name}: split at {cut}");
        for (int cut = 1; cut + 1 < wire.Length; cut++)
            AssertParses(Segments.SplitAt(wire, cut, cut + 1), $"{name}: 1-byte middle segment at {cut}");
        AssertParses(Segments.OneByteEach(wire), $"{name}: 1-byte segments");

        void AssertParses(ReadOnlySequence<byte> buffer, string because)
        {
            var reader = new RespReplyReader(buffer);
            Assert.True(reader.TryRead(out RespValue actual), because);
            RespAssert.Same(expected, actual);
            Assert.Equal(buffer.End, reader.Position);
        }
    }

    [Fact]
    public void TryRead_OneByteSegmentsPrefixes_ReturnFalseAndConsumeNothing()
    {
        byte[] wire = Encoding.ASCII.GetBytes("*2\r\n$11\r\nhello world\r\n:-12345\r\n");
        for (int length = 0; length < wire.Length; length++)
        {
            ReadOnlySequence<byte> buffer = Segments.OneByteEach(wire[..length]);
            var reader = new RespReplyReader(buffer);
            Assert.False(reader.TryRead(out _), $"prefix of {length} bytes");
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void TryRead_PipelinedReplies_ReadsWholeOnesAndStopsBeforePartial()
    {
        byte[] wire = Encoding.ASCII.GetBytes("+OK\r\n:7\r\n$3\r\nab");
        var reader = new RespReplyReader(new ReadOnlySequence<byte>(wire));
        Assert.True(reader.TryRead(out RespValue first));
        Assert.True(reader.TryRead(out RespValue second));
        Assert.False(reader.TryRead(out _));
        Assert.True(first.IsSimpleString("OK"));
        Assert.Equal(7, second.AsInt64());
        Assert.Equal(9, reader.Consumed);
    }

    [Fact]
    public void TryRead_LargeBulkAcrossManySegments_ParsesIdentically()
    {
        byte[] body = new byte[1024 * 1024];
        new Random(42).NextBytes(body);
        byte[] wire = [.. Encoding.ASCII.GetBytes($"${body.Length}\r\n"), .. body, .. "\r\n"u8];
        // 4 KiB segments, the way a socket hands over a 1 MiB reply.
        var cuts = new List<int>();
        for (int at = 4096; at < wire.Length; at += 4096)
            cuts.Add(at);
        ReadOnlySequence<byte> buffer = Segments.SplitAt(wire, [.. cuts]);

        var partial = new RespReplyReader(buffer.Slice(0, wire.Length - 1));
        Assert.False(partial.TryRead(out _));
        var reader = new RespReplyReader(buffer);
        Assert.True(reader.TryRead(out RespValue value));
        Assert.Equal(body, value.AsBytes());
    }

    [Theory]
    [InlineData("$2147483647\r\n", RespProtocolError.BulkTooLong)]
    [InlineData("$67108865\r\n", RespProtocolError.BulkTooLong)]
    [InlineData("*99999999\r\n", RespProtocolError.ArrayTooLong)]
    [InlineData("*2147483647\r\n", RespProtocolError.ArrayTooLong)]
    [InlineData("$9223372036854775807\r\n", RespProtocolError.BulkTooLong)]
    [InlineData("$99999999999999999999\r\n", RespProtocolError.InvalidInteger)]
    public void TryRead_HostileLength_ThrowsBeforeAllocating(string wire, RespProtocolError reason)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(wire);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<RespProtocolException>(() => Read(bytes));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(reason, ex.Reason);
        // The exception, its message and stack trace take a few KiB; the announced body would take 64 MiB to 2 GiB.
        Assert.True(allocated < 256 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void TryRead_IncompleteLargeBulk_ReturnsFalseWithoutAllocatingBody()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("$60000000\r\nabc");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(Read(bytes, out _));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024);
    }

    [Fact]
    public void TryRead_IncompleteLargeArray_ReturnsFalseWithoutAllocatingElements()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("*1000000\r\n:1\r\n:2\r\n");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(Read(bytes, out _));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024);
    }

    [Theory]
    [InlineData("?garbage\r\n", RespProtocolError.UnknownPrefix)]
    [InlineData("HTTP/1.1 400 Bad Request\r\n", RespProtocolError.UnknownPrefix)]
    [InlineData("$3\r\nabcX\r\n", RespProtocolError.MissingCrlf)]
    [InlineData("+OK\rX\n", RespProtocolError.MissingCrlf)]
    [InlineData(":12\rX", RespProtocolError.MissingCrlf)]
    [InlineData(":12a\r\n", RespProtocolError.InvalidInteger)]
    [InlineData(":\r\n", RespProtocolError.InvalidInteger)]
    [InlineData(":+5\r\n", RespProtocolError.InvalidInteger)]
    [InlineData(":1234567890123456789012345", RespProtocolError.InvalidInteger)]
    [InlineData("$-2\r\n", RespProtocolError.NegativeLength)]
    [InlineData("*-5\r\n", RespProtocolError.NegativeLength)]
    public void TryRead_Malformed_ThrowsProtocolError(string wire, RespProtocolError reason)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(wire);
        Assert.Equal(reason, Assert.Throws<RespProtocolException>(() => Read(bytes)).Reason);
        // Same verdict when the bytes trickle in one at a time.
        Assert.Equal(reason, Assert.Throws<RespProtocolException>(() => ReadSegmented(bytes)).Reason);
    }

    [Fact]
    public void TryRead_NestingTooDeep_ThrowsProtocolError()
    {
        var wire = new StringBuilder();
        for (int i = 0; i <= RespLimits.MaxNestingDepth; i++)
            wire.Append("*1\r\n");
        wire.Append(":1\r\n");
        byte[] bytes = Encoding.ASCII.GetBytes(wire.ToString());
        Assert.Equal(RespProtocolError.NestingTooDeep, Assert.Throws<RespProtocolException>(() => Read(bytes)).Reason);
    }

    [Fact]
    public void TryRead_MaxNesting_Parses()
    {
        var wire = new StringBuilder();
        for (int i = 0; i < RespLimits.MaxNestingDepth; i++)
            wire.Append("*1\r\n");
        wire.Append(":1\r\n");
        Assert.True(Read(Encoding.ASCII.GetBytes(wire.ToString()), out _));
    }

    [Fact]
    public void TryRead_EndlessSimpleString_ThrowsLineTooLong()
    {
        byte[] bytes = [(byte)'-', .. Enumerable.Repeat((byte)'x', RespLimits.MaxLineBytes + 2)];
        Assert.Equal(RespProtocolError.LineTooLong, Assert.Throws<RespProtocolException>(() => Read(bytes)).Reason);
    }

    private static bool Read(byte[] bytes, out RespValue value)
    {
        var reader = new RespReplyReader(new ReadOnlySequence<byte>(bytes));
        return reader.TryRead(out value);
    }

    private static void Read(byte[] bytes) => Read(bytes, out _);

    private static void ReadSegmented(byte[] bytes)
    {
        var reader = new RespReplyReader(Segments.OneByteEach(bytes));
        reader.TryRead(out _);
    }
}
