using System.Text;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Shared.Tests.Redis;

public class RespCommandTests
{
    private static string Wire(RespCommand command) => Encoding.ASCII.GetString(command.GetWireBytes());

    [Fact]
    public void Arg_MixedTypes_WritesRespArrayOfBulkStrings()
    {
        using var command = new RespCommand(RespCommands.HSet)
            .Arg("k")
            .Arg(-42L)
            .Arg(ulong.MaxValue)
            .Arg("é"u8)
            .ArgHex(Guid.Parse("01234567-89ab-cdef-0123-456789abcdef"));

        Assert.Equal(6, command.Count);
        Assert.Equal(
            "*6\r\n$4\r\nHSET\r\n$1\r\nk\r\n$3\r\n-42\r\n$20\r\n18446744073709551615\r\n$2\r\n\u00c3\u00a9\r\n" +
            "$32\r\n0123456789abcdef0123456789abcdef\r\n",
            Encoding.Latin1.GetString(command.GetWireBytes()));
    }

    [Fact]
    public void Arg_StringWithMultibyteCharacters_WritesUtf8ByteLength()
    {
        using var command = new RespCommand(RespCommands.Set).Arg("ключ");
        Assert.Equal("*2\r\n$3\r\nSET\r\n$8\r\n", Encoding.ASCII.GetString(command.GetWireBytes()[..17]));
    }

    [Fact]
    public void Arg_ManyArgumentsBeyondInitialBuffer_GrowsAndWritesCountHeader()
    {
        using var command = new RespCommand(RespCommands.EvalSha, sizeHint: 16);
        var expected = new StringBuilder("$7\r\nEVALSHA\r\n");
        for (int i = 0; i < 1000; i++)
        {
            command.Arg(i);
            expected.Append(System.Globalization.CultureInfo.InvariantCulture, $"${i.ToString(System.Globalization.CultureInfo.InvariantCulture).Length}\r\n{i}\r\n");
        }
        Assert.Equal("*1001\r\n" + expected, Wire(command));
    }

    [Fact]
    public void Arg_EmptyValue_WritesZeroLengthBulk()
    {
        using var command = new RespCommand(RespCommands.Set).Arg("k").Arg(ReadOnlySpan<byte>.Empty);
        Assert.Equal("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", Wire(command));
    }

    [Fact]
    public void Detach_AfterSend_LeavesCommandEmptyAndResetReusesIt()
    {
        var command = new RespCommand(RespCommands.Get).Arg("a");
        RespPayload payload = command.Detach();
        Assert.Equal("*2\r\n$3\r\nGET\r\n$1\r\na\r\n", Encoding.ASCII.GetString(payload.Span));
        payload.Release();

        Assert.Equal(0, command.Count);
        Assert.Throws<InvalidOperationException>(() => command.Arg("b"));
        Assert.Throws<InvalidOperationException>(() => command.Detach());
        command.Dispose(); // harmless after sending

        command.Reset(RespCommands.Get).Arg("b");
        Assert.Equal("*2\r\n$3\r\nGET\r\n$1\r\nb\r\n", Wire(command));
        command.Dispose();
    }

    [Fact]
    public void Reset_KeepsBuffer_BuildsWithoutAllocating()
    {
        using var command = new RespCommand(RespCommands.EvalSha, sizeHint: 64 * 1024);
        ReadOnlySpan<byte> id = "0123456789abcdef"u8;
        Build(command, id); // warm up (JIT, first-call statics)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 10; round++)
            Build(command, id);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        static void Build(RespCommand command, ReadOnlySpan<byte> id)
        {
            command.Reset(RespCommands.EvalSha, 64 * 1024);
            for (int i = 0; i < 250; i++)
                command.Arg(id).Arg((ulong)i * 1_000_003).Arg((long)i).ArgHex(Guid.Empty);
            _ = command.GetWireBytes();
        }
    }

    [Fact]
    public void Payload_ReleasedByEveryHolder_ReturnsBufferOnce()
    {
        var payload = new RespCommand(RespCommands.Ping).Detach();
        payload.AddReference();
        payload.Release();
        Assert.Equal(14, payload.Span.Length); // *1\r\n$4\r\nPING\r\n: still held once
        payload.Release();
        Assert.Throws<ObjectDisposedException>(() => payload.Span.Length);
    }
}
