using System.Buffers;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Wire.TrafficReport;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Faults;

/// <summary>
/// kill -9 of the real Ingest with acknowledged batches only in its spool and Redis: after a restart every row
/// reaches ClickHouse exactly once and the Redis counters equal the sums.
/// </summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
[Trait(ClickHouseTopology.Trait, ClickHouseTopology.Any)]
public sealed class IngestCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan SinkDeadline = TimeSpan.FromSeconds(30);
    private FaultWorld _world = null!;

    public async Task InitializeAsync() => _world = await FaultWorld.CreateAsync(nameof(IngestCrashTests));

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task Restart_AfterSigkillWithUnflushedSpool_EveryRowInClickHouseExactlyOnce()
    {
        var work = new Workload(nodes: 4, batchesPerNode: 25, subscriptions: 60, reportsPerBatch: 12, seed: 7);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment(FaultWorld.HoldEverything));
        try
        {
            await work.SendAllAsync(ingest, tokens);
            Assert.Equal(0, await work.RowsInClickHouseAsync(_world.ClickHouse));

            await ingest.KillAsync();
            await work.AssertRedisCountersAsync(_world.Redis); // acknowledged means counted, before any replay

            await ingest.RestartAsync(new Dictionary<string, string> { ["Ingest__FlushInterval"] = "00:00:00.200" });
            await WaitForDrainAsync(ingest, work);

            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await work.AssertRedisCountersAsync(_world.Redis); // the replay's re-application to Redis was deduplicated
        }
        finally
        {
            ingest.WriteLogTo(output);
        }
    }

    [Fact]
    public async Task Restart_AfterGracefulStopWithUnflushedSpool_EveryRowInClickHouseExactlyOnce()
    {
        var work = new Workload(nodes: 2, batchesPerNode: 10, subscriptions: 20, reportsPerBatch: 6, seed: 9);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment(FaultWorld.HoldEverything));
        try
        {
            await work.SendAllAsync(ingest, tokens);
            await ingest.StopAsync(); // SIGTERM: the host shuts down; whatever the sink held stays in the spool

            await ingest.RestartAsync(new Dictionary<string, string> { ["Ingest__FlushInterval"] = "00:00:00.200" });
            await WaitForDrainAsync(ingest, work);

            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await work.AssertRedisCountersAsync(_world.Redis);
        }
        finally
        {
            ingest.WriteLogTo(output);
        }
    }

    /// <summary>
    /// The crash window between "insert landed in ClickHouse" and "spool checkpoint committed" cannot be hit on
    /// purpose with a real process, so it is reproduced: after the kill, half of the spooled batches are inserted into
    /// ClickHouse exactly as the sink encodes them (<see cref="RowEncoder{TShards}"/>), as if the sink had flushed them and died
    /// before its commit. The restarted sink must leave those out.
    /// </summary>
    [Fact]
    public async Task Restart_AfterSigkillWithSomeBatchesAlreadyInClickHouse_NoRowTwice()
    {
        var work = new Workload(nodes: 3, batchesPerNode: 20, subscriptions: 40, reportsPerBatch: 10, seed: 11);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment(FaultWorld.HoldEverything));
        try
        {
            await work.SendAllAsync(ingest, tokens);
            await ingest.KillAsync();

            int preLanded = await InsertLikeTheSinkAsync(work, (node, seq) => seq % 2 == 0);
            Assert.True(preLanded > 0);

            await ingest.RestartAsync(new Dictionary<string, string> { ["Ingest__FlushInterval"] = "00:00:00.200" });
            await WaitForDrainAsync(ingest, work);

            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await work.AssertRedisCountersAsync(_world.Redis);
            Assert.True(await ingest.MetricAsync("vpnperf_ingest_clickhouse_replayed_batches_skipped_total") >= preLanded);
        }
        finally
        {
            ingest.WriteLogTo(output);
        }
    }

    [Fact]
    public async Task Restart_SpooledBatchWithRejections_ReplayKeepsTheVerdictsMadeAtAcceptance()
    {
        Guid node = Guid.NewGuid(), inbound = Guid.NewGuid(), linked = Guid.NewGuid(), unlinked = Guid.NewGuid();
        string token = await _world.Redis.SeedNodeTokenAsync(node);
        await _world.Redis.LinkAsync(node, [linked], inbound);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment(FaultWorld.HoldEverything));
        try
        {
            ReportResponse r = await ingest.PostAcceptedAsync(
                TestBatch.Build(1, [TestBatch.Report(linked, 10, 10, inbound), TestBatch.Report(unlinked, 100, 100, inbound)]), token);
            Assert.Equal(1UL, r.Rejected);
            await ingest.KillAsync();

            // Redis comes back empty (no persistence), and meanwhile the other subscription was linked too: a replay that
            // decided again would count it. The spooled verdicts say it was rejected when the batch was accepted.
            await _world.Redis.FlushAsync();
            token = await _world.Redis.SeedNodeTokenAsync(node);
            await _world.Redis.LinkAsync(node, [linked, unlinked], inbound);
            await ingest.RestartAsync(new Dictionary<string, string> { ["Ingest__FlushInterval"] = "00:00:00.200" });
            await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") == 0, TimeSpan.FromSeconds(30),
                "the sink to replay and drain the spool");

            Assert.Equal(20, await _world.Redis.UsedAsync(linked)); // re-applied
            Assert.Equal(0, await _world.Redis.UsedAsync(unlinked));
            Assert.Equal((1L, 10L, 10L), (await _world.ClickHouse.TrafficByBatchAsync())[(node, 1)]);
        }
        finally
        {
            ingest.WriteLogTo(output);
        }
    }

    private async Task<int> InsertLikeTheSinkAsync(Workload work, Func<Guid, ulong, bool> which)
    {
        IReadOnlyList<ClickHouseClient> clients = _world.ClickHouse.Shards;
        var shards = new ShardBuffers[clients.Count];
        for (int s = 0; s < shards.Length; s++) shards[s] = new ShardBuffers(clients[s]);
        byte[] notes = new byte[Shared.Limits.MaxNoteBytes];
        long receivedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        int batches = 0;
        try
        {
            foreach ((Guid node, ulong seq) in work.Expected.Keys)
            {
                if (!which(node, seq)) continue;
                var encoder = new RowEncoder<HashedShards>(shards, new HashedShards(shards.Length), notes, node, seq, receivedAt, default);
                TrafficBatchParser.Parse(new ReadOnlySequence<byte>(work.Body(node, seq)), TrafficBatchLimits.Default, ref encoder);
                batches++;
            }
            TrafficTableSet tables = _world.ClickHouse.Tables;
            foreach (ShardBuffers shard in shards)
            {
                if (shard.Traffic.WrittenCount > 0)
                    await shard.Client.InsertRowBinaryAsync(tables.Traffic, TrafficTables.TrafficColumnList, shard.Traffic.WrittenMemory, CancellationToken.None);
                if (shard.Access.WrittenCount > 0)
                    await shard.Client.InsertRowBinaryAsync(tables.AccessLog, TrafficTables.AccessLogColumnList, shard.Access.WrittenMemory, CancellationToken.None);
            }
        }
        finally
        {
            foreach (ShardBuffers shard in shards) shard.Dispose();
        }
        return batches;
    }

    private async Task WaitForDrainAsync(IngestProcess ingest, Workload work)
    {
        await Poll.UntilAsync(async () => await work.RowsInClickHouseAsync(_world.ClickHouse) >= work.TotalRows, SinkDeadline,
            $"{work.TotalRows} replayed rows in ClickHouse", async () => $"{await work.RowsInClickHouseAsync(_world.ClickHouse)} rows");
        await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") == 0, SinkDeadline,
            "the spool backlog to reach 0", async () => $"{await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes")} bytes");
    }
}
