using System.Buffers;
using BenchmarkDotNet.Attributes;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Benchmarks.Wire;

/// <summary>
/// Decode and encode of a realistic 250-report traffic batch (<see cref="TrafficBatchPayload"/>). Times are per
/// batch; divide by 250 for ns per report. Allocation budgets: bench/allocation-budgets.json (0 for all three).
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet generates a subclass of each benchmark class.</remarks>
[MemoryDiagnoser]
public class TrafficBatchBenchmarks
{
    // Kestrel's pipe hands bodies over in 4 KiB blocks, so a 12 KB batch arrives as 3-4 segments and a few tokens
    // straddle a boundary: the slow path gets exercised at its real rate.
    private const int SegmentSize = 4096;

    private TrafficBatchPayload _payload = null!;
    private ReadOnlySequence<byte> _singleSegment;
    private ReadOnlySequence<byte> _multiSegment;
    private ArrayBufferWriter<byte> _output = null!;

    [GlobalSetup]
    public void Setup()
    {
        _payload = TrafficBatchPayload.Create();
        var body = new ArrayBufferWriter<byte>();
        _payload.WriteTo(body);
        byte[] bytes = body.WrittenSpan.ToArray();
        _singleSegment = new ReadOnlySequence<byte>(bytes);
        _multiSegment = ChunkedSequence.Create(bytes, SegmentSize);
        _output = new ArrayBufferWriter<byte>(bytes.Length * 2); // sized once, so Encode measures encoding, not growth
        Console.WriteLine($"// batch: {bytes.Length} bytes, {TrafficBatchPayload.ReportCount} reports, {_multiSegment.Length / SegmentSize + 1} segments of {SegmentSize}");
    }

    [Benchmark]
    public ulong DecodeSingleSegment()
    {
        var handler = new SummingHandler();
        TrafficBatchParser.Parse(_singleSegment, ref handler);
        return handler.Total;
    }

    [Benchmark]
    public ulong DecodeMultiSegment()
    {
        var handler = new SummingHandler();
        TrafficBatchParser.Parse(_multiSegment, ref handler);
        return handler.Total;
    }

    [Benchmark]
    public int Encode()
    {
        _output.ResetWrittenCount();
        _payload.WriteTo(_output);
        return _output.WrittenCount;
    }
}
