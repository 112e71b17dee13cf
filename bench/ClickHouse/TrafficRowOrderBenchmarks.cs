using BenchmarkDotNet.Attributes;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Shared.Buffers;

namespace Vpn.Perf.Benchmarks.ClickHouse;

/// <summary>
/// What putting a whole flush's traffic rows (the sink's 500 000-row threshold) in the table's key order costs the
/// Ingest per row: a key read from each encoded row and the sort of the keys. ClickHouse then skips its own sort of
/// the block (docs/perf.md, cost 16). Target: 0 bytes allocated once the order's arrays have grown.
/// </summary>
[MemoryDiagnoser]
public class TrafficRowOrderBenchmarks : IDisposable
{
    private const int Rows = 500_000;
    private readonly PooledBufferWriter _rows = new(Rows * TrafficTables.TrafficRowBytes);
    private readonly TrafficRowOrder _order = new();

    [GlobalSetup]
    public void Setup()
    {
        var writer = new RowBinaryWriter(_rows);
        foreach (TrafficRow row in TrafficRowSamples.Create(Rows, seed: 15)) TrafficTables.WriteTraffic(ref writer, row);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _rows.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public int OrderFlushRows()
    {
        _order.Clear();
        _order.Add(_rows.WrittenSpan, 0, _rows.WrittenCount);
        return _order.Sort().Length;
    }
}
