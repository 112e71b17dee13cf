using BenchmarkDotNet.Attributes;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Shared.Buffers;

namespace Vpn.Perf.Benchmarks.ClickHouse;

/// <summary>
/// Encoding a batch of traffic rows into a reused pooled buffer, as the Ingest's ClickHouse sink does per flush.
/// Target: 0 bytes allocated per batch (and so per row) once the buffer has grown.
/// </summary>
[MemoryDiagnoser]
public class RowBinaryBenchmarks : IDisposable
{
    private const int Rows = 10_000;
    private TrafficRow[] _rows = [];
    private PooledBufferWriter _buffer = null!;

    [GlobalSetup]
    public void Setup()
    {
        _rows = TrafficRowSamples.Create(Rows, seed: 1);
        _buffer = new PooledBufferWriter(Rows * TrafficTables.TrafficRowBytes);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _buffer?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(OperationsPerInvoke = Rows)]
    public int EncodeTrafficRow()
    {
        _buffer.Reset();
        var writer = new RowBinaryWriter(_buffer);
        TrafficRow[] rows = _rows;
        for (int i = 0; i < rows.Length; i++) TrafficTables.WriteTraffic(ref writer, rows[i]);
        return _buffer.WrittenCount;
    }
}
