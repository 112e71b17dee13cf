using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Benchmarks.Redis;

/// <summary>
/// The RESP client's two hot operations in Ingest: building one bucket's EVALSHA (250 reports x 4 arguments) and
/// parsing the script's reply (one integer per report). Building reuses one <see cref="RespCommand"/> the way the
/// Ingest pipeline does, so its budget is 0 B; parsing allocates the reply array once per command.
/// </summary>
[MemoryDiagnoser]
public class RespBenchmarks
{
    private const int Reports = 250;

    private readonly RedisScript _script = new("return #ARGV");
    private readonly byte[][] _subscriptionIds = new byte[Reports][];
    private RespCommand _command = null!;
    private ReadOnlySequence<byte> _reply;
    private ReadOnlySequence<byte> _replySegmented;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        for (int i = 0; i < Reports; i++)
        {
            _subscriptionIds[i] = new byte[16];
            random.NextBytes(_subscriptionIds[i]);
        }
        _command = _script.CreateCommand(keyCount: 1, sizeHint: 32 * 1024);

        var reply = new StringBuilder($"*{Reports}\r\n");
        for (int i = 0; i < Reports; i++)
            reply.Append(':').Append(random.Next(-1, 3_000_000)).Append("\r\n");
        byte[] bytes = Encoding.ASCII.GetBytes(reply.ToString());
        _reply = new ReadOnlySequence<byte>(bytes);
        _replySegmented = ThreeSegments(bytes);
    }

    [GlobalCleanup]
    public void Cleanup() => _command.Dispose();

    [Benchmark(Description = "Build EVALSHA, 1000 args")]
    public int BuildEvalSha1000Args()
    {
        RespCommand command = _script.ResetCommand(_command, keyCount: 1, sizeHint: 32 * 1024).Arg("{b7}:u"u8);
        for (int i = 0; i < Reports; i++)
        {
            command.Arg(_subscriptionIds[i])
                .Arg((ulong)i * 1_048_576UL)
                .Arg((ulong)i * 9_437_184UL)
                .Arg(1_763_780_000L + i);
        }
        return command.GetWireBytes().Length;
    }

    [Benchmark(Description = "Parse reply, 250 integers")]
    public int ParseScriptReply()
    {
        var reader = new RespReplyReader(_reply);
        reader.TryRead(out RespValue value);
        return value.Length;
    }

    [Benchmark(Description = "Parse reply, 250 integers, 3 segments")]
    public int ParseScriptReplySegmented()
    {
        var reader = new RespReplyReader(_replySegmented);
        reader.TryRead(out RespValue value);
        return value.Length;
    }

    private static ReadOnlySequence<byte> ThreeSegments(byte[] bytes)
    {
        // Cut inside integer lines so the cross-segment slow path is part of the measurement.
        return Wire.ChunkedSequence.SplitAt(bytes, (bytes.Length / 3) + 1, (2 * bytes.Length / 3) + 1);
    }
}
