using System.Buffers;
using BenchmarkDotNet.Attributes;
using Vpn.Perf.Ingest;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Benchmarks.Wire;

/// <summary>
/// Decode and encode of a realistic 250-report traffic batch (<see cref="TrafficBatchPayload"/>). Times are per
/// batch; divide by 250 for ns per report. Allocation budgets: bench/allocation-budgets.json (0 for all five).
/// <see cref="DecodeCollectAndCheckScope"/> is Ingest's own decode stage (the <see cref="CollectingHandler"/> with the
/// bounds check) plus the scope check of every report against a subscription linked on 96 inbounds (32 nodes × 3,
/// the load suite's fleet), the binary-search case.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet generates a subclass of each benchmark class.</remarks>
[MemoryDiagnoser]
public class TrafficBatchBenchmarks : IDisposable
{
    // Kestrel's pipe hands bodies over in 4 KiB blocks, so a 12 KB batch arrives as 3-4 segments and a few tokens
    // straddle a boundary: the slow path gets exercised at its real rate.
    private const int SegmentSize = 4096;

    private TrafficBatchPayload _payload = null!;
    private ReadOnlySequence<byte> _singleSegment;
    private ReadOnlySequence<byte> _multiSegment;
    private ReadOnlySequence<byte> _accessOnly;
    private ArrayBufferWriter<byte> _output = null!;
    private readonly BatchContext _batch = new();
    private readonly IngestOptions _options = new();
    private SubscriptionScope _scope = null!;
    private Guid _node;

    [GlobalSetup]
    public void Setup()
    {
        _payload = TrafficBatchPayload.Create();
        var body = new ArrayBufferWriter<byte>();
        _payload.WriteTo(body);
        byte[] bytes = body.WrittenSpan.ToArray();
        _singleSegment = new ReadOnlySequence<byte>(bytes);
        _multiSegment = ChunkedSequence.Create(bytes, SegmentSize);
        var accessOnly = new ArrayBufferWriter<byte>();
        TrafficBatchPayload.Create(reportCount: 0, accessCount: TrafficBatchPayload.AccessOnlyCount).WriteTo(accessOnly);
        _accessOnly = ChunkedSequence.Create(accessOnly.WrittenSpan.ToArray(), SegmentSize);
        _output = new ArrayBufferWriter<byte>(bytes.Length * 2); // sized once, so Encode measures encoding, not growth
        // Every report's inbound is linked (on this node), among 96 links in all: every check succeeds at full depth.
        _node = Guid.NewGuid();
        var links = new List<InboundLink>();
        var collect = new CollectingHandler(_batch, Buckets.DefaultCount, ReportBounds.None);
        TrafficBatchParser.Parse(_singleSegment, TrafficBatchLimits.Default, ref collect);
        for (int i = 0; i < _batch.ReportCount; i++) links.Add(new InboundLink(_batch.Reports[i].InboundId, _node));
        _batch.Dispose();
        while (links.Count < 96) links.Add(new InboundLink(Guid.NewGuid(), Guid.NewGuid()));
        _scope = SubscriptionScope.Of(links);
        Console.WriteLine($"// batch: {bytes.Length} bytes, {TrafficBatchPayload.ReportCount} reports, {_multiSegment.Length / SegmentSize + 1} segments of {SegmentSize}");
    }

    [Benchmark]
    public ulong DecodeSingleSegment()
    {
        var handler = new SummingHandler();
        TrafficBatchParser.Parse(_singleSegment, TrafficBatchLimits.Default, ref handler);
        return handler.Total;
    }

    [Benchmark]
    public ulong DecodeMultiSegment()
    {
        var handler = new SummingHandler();
        TrafficBatchParser.Parse(_multiSegment, TrafficBatchLimits.Default, ref handler);
        return handler.Total;
    }

    [Benchmark]
    public int DecodeCollectAndCheckScope()
    {
        // The interval starts of the captured payload are fixed, so the bounds use a receive time inside their window.
        var handler = new CollectingHandler(_batch, Buckets.DefaultCount, new ReportBounds(_options, TrafficBatchPayload.IntervalStartSeconds * 1000));
        TrafficBatchParser.Parse(_multiSegment, TrafficBatchLimits.Default, ref handler);
        int allowed = 0;
        for (int i = 0; i < _batch.ReportCount; i++)
        {
            if (_scope.Allows(_batch.Reports[i].InboundId, _node)) allowed++;
        }
        _batch.Dispose();
        return allowed;
    }

    /// <summary>Ingest's decode stage for the HTTP part's batches: ~150 access events (some with notes), no report.</summary>
    [Benchmark]
    public int DecodeCollectAccessOnly()
    {
        var handler = new CollectingHandler(_batch, Buckets.DefaultCount, ReportBounds.None);
        TrafficBatchParser.Parse(_accessOnly, TrafficBatchLimits.Default, ref handler);
        int count = _batch.AccessCount;
        _batch.Dispose();
        return count;
    }

    [Benchmark]
    public int Encode()
    {
        _output.ResetWrittenCount();
        _payload.WriteTo(_output);
        return _output.WrittenCount;
    }

    public void Dispose()
    {
        _batch.Dispose();
        GC.SuppressFinalize(this);
    }
}
