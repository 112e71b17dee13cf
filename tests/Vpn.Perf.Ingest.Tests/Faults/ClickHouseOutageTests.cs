using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Faults;

/// <summary>ClickHouse unreachable (through blocked proxies; on shards, every shard): batches are still acknowledged from the spool and land exactly once later.</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
[Trait(ClickHouseTopology.Trait, ClickHouseTopology.Any)]
public sealed class ClickHouseOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private FaultWorld _world = null!;

    public async Task InitializeAsync() =>
        _world = await FaultWorld.CreateAsync(nameof(ClickHouseOutageTests), proxyClickHouse: true);

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task PostReport_ClickHouseBlocked_AcceptedThenEveryRowLandsOnceAfterUnblock()
    {
        ClickHouseProxies proxy = _world.ClickHouseProxy!;
        var warmup = new Workload(nodes: 1, batchesPerNode: 1, subscriptions: 2, reportsPerBatch: 2, seed: 1);
        var work = new Workload(nodes: 3, batchesPerNode: 15, subscriptions: 30, reportsPerBatch: 8, seed: 3);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work, warmup);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment());
        try
        {
            // The sink is up (tables verified, one flush done) before the outage starts.
            await warmup.SendAllAsync(ingest, tokens);
            await Poll.UntilAsync(async () => await warmup.RowsInClickHouseAsync(_world.ClickHouse) == warmup.TotalRows, Deadline, "the warm-up rows");

            proxy.Block();
            await work.SendAllAsync(ingest, tokens); // every one a 200: durable in the spool, counted in Redis
            await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_clickhouse_failures_total") >= 2, Deadline,
                "failed ClickHouse flushes in /metrics");
            Assert.Equal(0, await work.RowsInClickHouseAsync(_world.ClickHouse));
            Assert.True(await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") > 0);
            await work.AssertRedisCountersAsync(_world.Redis);

            proxy.Unblock();
            await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") == 0, Deadline,
                "the spool to drain into ClickHouse after the outage", async () => $"{await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes")} bytes");

            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await warmup.AssertExactlyOnceAsync(_world.ClickHouse);
        }
        finally
        {
            ingest.WriteLogTo(output);
        }
    }
}
