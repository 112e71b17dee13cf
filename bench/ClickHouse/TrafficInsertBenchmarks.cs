using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Benchmarks.ClickHouse;

/// <summary>
/// What the insert body of a whole flush's traffic rows (the sink's 500 000-row threshold) costs the Ingest per row
/// beyond encoding them: putting them in the table's key order (a key read from each encoded row, the sort of the keys)
/// and turning them into one Native block (a gather of each column from the rows). ClickHouse then neither sorts the
/// block nor parses it value by value (docs/perf.md, cost 16). Target: 0 bytes allocated per row.
/// </summary>
[MemoryDiagnoser]
public class TrafficInsertBenchmarks : IDisposable
{
    private const int Rows = 500_000;
    private readonly PooledBufferWriter _rows = new(Rows * TrafficTables.TrafficRowBytes);
    private readonly TrafficRowOrder _order = new();

    private ReadOnlyMemory<int> _sorted;

    [GlobalSetup]
    public void Setup()
    {
        var writer = new RowBinaryWriter(_rows);
        foreach (TrafficRow row in TrafficRowSamples.Create(Rows, seed: 15)) TrafficTables.WriteTraffic(ref writer, row);
        _sorted = OrderFlushRows();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _rows.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public ReadOnlyMemory<int> OrderFlushRows()
    {
        _order.Clear();
        _order.Add(_rows.WrittenSpan, 0, _rows.WrittenCount);
        return _order.Sort();
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public async Task NativeBlockOfFlushRows()
    {
        using var content = new NativeBlockContent(TrafficTables.TrafficColumns, _rows.WrittenMemory, _sorted, OctetStream);
        await content.CopyToAsync(Stream.Null);
    }

    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");
}
