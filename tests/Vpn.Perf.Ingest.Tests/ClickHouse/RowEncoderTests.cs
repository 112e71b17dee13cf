using System.Buffers;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.Tests.ClickHouse;

/// <summary>The sink's row encoder without servers: where rows go, and the allocation budget of bench/RowEncoderBenchmarks (0).</summary>
public sealed class RowEncoderTests : IDisposable
{
    private readonly ClickHouseClient _client = new(ClickHouseOptions.Parse("http://127.0.0.1:9/unused")); // never called
    private readonly byte[] _notes = new byte[Shared.Limits.MaxNoteBytes];

    public void Dispose() => _client.Dispose();

    [Fact]
    public void Parse_TwoShards_EachRowInItsSubscriptionsShard()
    {
        Guid[] subscriptions = [.. Enumerable.Range(0, 40).Select(_ => Guid.NewGuid())];
        byte[] body = TestBatch.Build(1, [.. subscriptions.Select(sid => TestBatch.Report(sid, 1, 2))], accessEvents: subscriptions.Length);
        ShardBuffers[] shards = [new(_client), new(_client)];
        try
        {
            var encoder = new RowEncoder<HashedShards>(shards, new HashedShards(2), _notes, Guid.NewGuid(), 1, 1_000, default);
            TrafficBatchParser.Parse(new ReadOnlySequence<byte>(body), TrafficBatchLimits.Default, ref encoder);

            for (int s = 0; s < shards.Length; s++)
            {
                int expected = subscriptions.Count(sid => ClickHouseShards.Of(sid, 2) == s);
                Assert.Equal(expected, shards[s].TrafficRows);
                Assert.Equal(expected, shards[s].AccessRows); // each access event follows its report's subscription
                Assert.Equal(expected * TrafficTables.TrafficRowBytes, shards[s].Traffic.WrittenCount);
            }
        }
        finally
        {
            foreach (ShardBuffers shard in shards) shard.Dispose();
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Parse_WarmBuffers_AllocatesNothing(int shardCount)
    {
        byte[] body = TestBatch.Build(1, [.. Enumerable.Range(0, 250).Select(_ => TestBatch.Report(Guid.NewGuid(), 1, 2))], accessEvents: 10);
        var sequence = new ReadOnlySequence<byte>(body);
        var shards = new ShardBuffers[shardCount];
        for (int s = 0; s < shards.Length; s++) shards[s] = new ShardBuffers(_client);
        try
        {
            Encode(shards, sequence); // warm up: the buffers grow once

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++) Encode(shards, sequence);

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        finally
        {
            foreach (ShardBuffers shard in shards) shard.Dispose();
        }
    }

    private void Encode(ShardBuffers[] shards, ReadOnlySequence<byte> body)
    {
        foreach (ShardBuffers shard in shards) shard.Reset();
        if (shards.Length == 1)
        {
            var one = new RowEncoder<OneShard>(shards, new OneShard(), _notes, Guid.Empty, 1, 1_000, default);
            TrafficBatchParser.Parse(body, TrafficBatchLimits.Default, ref one);
        }
        else
        {
            var hashed = new RowEncoder<HashedShards>(shards, new HashedShards(shards.Length), _notes, Guid.Empty, 1, 1_000, default);
            TrafficBatchParser.Parse(body, TrafficBatchLimits.Default, ref hashed);
        }
    }
}
