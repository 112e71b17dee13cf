using System.Buffers;
using BenchmarkDotNet.Attributes;
using Vpn.Perf.Benchmarks.Wire;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Benchmarks.ClickHouse;

/// <summary>
/// The sink's encoder on a captured-shape batch (250 reports, <see cref="TrafficBatchPayload"/>): parse and write each
/// row into its shard's reused buffers, on one server (<see cref="OneShard"/>, the path every single-server deployment
/// takes) and on two shards (<see cref="HashedShards"/>). Target: 0 bytes allocated per batch once the buffers have
/// grown; per report, one server costs what the encoder cost before shards (a constant shard, no hash).
/// </summary>
[MemoryDiagnoser]
public class RowEncoderBenchmarks : IDisposable
{
    private readonly byte[] _notes = new byte[Shared.Limits.MaxNoteBytes];
    private ReadOnlySequence<byte> _payload;
    private ShardBuffers[] _one = [];
    private ShardBuffers[] _two = [];
    private ClickHouseClient _client = null!;

    [GlobalSetup]
    public void Setup()
    {
        var output = new ArrayBufferWriter<byte>();
        TrafficBatchPayload.Create().WriteTo(output);
        _payload = new ReadOnlySequence<byte>(output.WrittenMemory);
        _client = new ClickHouseClient(ClickHouseOptions.Parse("http://127.0.0.1:9/unused")); // never called
        _one = [new ShardBuffers(_client)];
        _two = [new ShardBuffers(_client), new ShardBuffers(_client)];
    }

    [GlobalCleanup]
    public void Dispose()
    {
        foreach (ShardBuffers b in _one) b.Dispose();
        foreach (ShardBuffers b in _two) b.Dispose();
        _client?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = TrafficBatchPayload.ReportCount)]
    public int EncodeBatchOneServer() => Encode(_one, new OneShard());

    [Benchmark(OperationsPerInvoke = TrafficBatchPayload.ReportCount)]
    public int EncodeBatchTwoShards() => Encode(_two, new HashedShards(2));

    private int Encode<TShards>(ShardBuffers[] shards, TShards choice) where TShards : struct, IShardChoice
    {
        foreach (ShardBuffers b in shards) b.Reset();
        var encoder = new RowEncoder<TShards>(shards, choice, _notes, Guid.Empty, 1, 1_763_776_940_000, default);
        TrafficBatchParser.Parse(_payload, TrafficBatchLimits.Default, ref encoder);
        return shards[0].TrafficRows;
    }
}
