using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Ingest.Tests.Faults;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.ClickHouse;

/// <summary>
/// Two ClickHouse shards (issue 11): every row on its subscription's shard, each once in the Distributed tables, the
/// rollups right through them, and a shard's failure (down for a while, or failing one insert of a flush that landed on
/// the other) costing a delay, not a row lost or doubled. A proxy stands in front of each shard.
/// </summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
[Trait(ClickHouseTopology.Trait, ClickHouseTopology.Shards)]
public sealed class ClickHouseShardTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private FaultWorld _world = null!;

    public async Task InitializeAsync() =>
        _world = await FaultWorld.CreateAsync(nameof(ClickHouseShardTests), proxyClickHouse: true);

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private int ShardCount => _world.ClickHouse.Shards.Count;

    [Fact]
    public async Task Flush_BatchesSpanningShards_EachRowOnItsSubscriptionsShardAndOnceInDistributed()
    {
        var work = new Workload(nodes: 3, batchesPerNode: 6, SubscriptionsOnEveryShard(8), reportsPerBatch: 10, seed: 41);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment());
        try
        {
            await work.SendAllAsync(ingest, tokens);
            await WaitForDrainAsync(ingest);

            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await AssertEachShardHoldsItsOwnAsync(work);
            // A batch whose reports span both shards is in both shards' ledgers, each with the rows that landed there.
            for (int s = 0; s < ShardCount; s++)
            {
                long ledgerRows = await TestClickHouse.LongAsync(_world.ClickHouse.Shards[s],
                    "SELECT sum(rows) FROM traffic_batches_local WHERE node_id IN {nodes}", new ClickHouseParameters().AddInList("nodes", [.. work.Nodes]));
                Assert.Equal(await LocalRowsAsync(s, work), ledgerRows);
            }
        }
        finally
        {
            ingest.WriteLogTo(output);
        }
    }

    [Fact]
    public async Task Rollups_ThroughDistributedTables_EqualTheSumsOfTheRows()
    {
        var work = new Workload(nodes: 2, batchesPerNode: 5, SubscriptionsOnEveryShard(6), reportsPerBatch: 12, seed: 42);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment());
        try
        {
            await work.SendAllAsync(ingest, tokens);
            await WaitForDrainAsync(ingest);

            var subscriptions = new ClickHouseParameters().AddInList("subs", [.. work.Subscriptions]);
            // Per subscription: the hourly rollup against the workload's own sums (every report's interval is in one hour or another).
            foreach ((Guid sid, long used) in work.UsedBySubscription)
            {
                long rolled = await _world.ClickHouse.LongAsync(
                    "SELECT sum(bytes_up) + sum(bytes_down) FROM traffic_hourly_by_subscription WHERE subscription_id = {sid}", new ClickHouseParameters().Add("sid", sid));
                Assert.Equal(used, rolled);
            }
            Assert.Equal(work.TotalRows, await _world.ClickHouse.LongAsync(
                "SELECT sum(reports) FROM traffic_hourly_by_subscription WHERE subscription_id IN {subs}", subscriptions));
            // Per node and per inbound: the daily rollups against the raw rows, all through the Distributed tables (the
            // database is this class's, and each test drains before it ends, so whole tables compare).
            await AssertSameAsync(
                "SELECT node_id, sum(bytes_up), sum(bytes_down), sum(reports) FROM traffic_daily_by_node GROUP BY node_id ORDER BY node_id",
                "SELECT node_id, sum(bytes_up), sum(bytes_down), count() FROM traffic GROUP BY node_id ORDER BY node_id");
            await AssertSameAsync(
                "SELECT inbound_id, sum(bytes_up), sum(bytes_down), sum(reports) FROM traffic_daily_by_inbound GROUP BY inbound_id ORDER BY inbound_id",
                "SELECT inbound_id, sum(bytes_up), sum(bytes_down), count() FROM traffic GROUP BY inbound_id ORDER BY inbound_id");
            foreach (Guid node in work.Nodes)
            {
                long expected = work.Expected.Where(e => e.Key.Node == node).Sum(e => e.Value.Up + e.Value.Down);
                Assert.Equal(expected, await _world.ClickHouse.LongAsync(
                    "SELECT sum(bytes_up) + sum(bytes_down) FROM traffic_daily_by_node WHERE node_id = {node}", new ClickHouseParameters().Add("node", node)));
            }
        }
        finally
        {
            ingest.WriteLogTo(output);
        }
    }

    /// <summary>
    /// Shard 2 unreachable for many flush attempts: nodes keep getting 200s (the spool holds the rows), shard 1 gets its
    /// part of the flush being retried (later batches wait behind it in the spool), and once shard 2 is back every row is
    /// there once.
    /// </summary>
    [Fact]
    public async Task PostReport_OneShardDown_AnsweredFromSpoolAndEveryRowOnceWhenBack()
    {
        var work = new Workload(nodes: 3, batchesPerNode: 10, SubscriptionsOnEveryShard(6), reportsPerBatch: 8, seed: 43);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment());
        TcpFaultProxy second = _world.ClickHouseProxy![1];
        try
        {
            second.Block();
            await work.SendAllAsync(ingest, tokens); // every one a 200
            await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_clickhouse_failures_total") >= 2, Deadline,
                "failed flushes while shard 2 is down");
            await Poll.UntilAsync(async () => await LocalRowsAsync(0, work) > 0, Deadline, "shard 1's part of the flush to land");
            Assert.Equal(0, await LocalRowsAsync(1, work));
            Assert.True(await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") > 0);
            await work.AssertRedisCountersAsync(_world.Redis);

            second.Unblock();
            await WaitForDrainAsync(ingest);
            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await AssertEachShardHoldsItsOwnAsync(work);
            // Every retry left out what shard 1's ledgers listed.
            Assert.True(await ingest.MetricAsync("vpnperf_ingest_clickhouse_replayed_batches_skipped_total") >= 1);
        }
        finally
        {
            second.Unblock();
            ingest.WriteLogTo(output);
        }
    }

    /// <summary>
    /// One flush, its insert landed on shard 1 and cut on shard 2 (held at the proxy, then reset: shard 2 never saw it). The
    /// retry must insert on shard 2 only. A ledger shared wrongly fails this either way: read through a Distributed table it
    /// would say shard 2 has the batches too (rows lost there); not read per shard, shard 1 would get them twice.
    /// </summary>
    [Fact]
    public async Task Flush_LandedOnShard1FailedOnShard2_RetryStoresShard2WithoutDoublingShard1()
    {
        var work = new Workload(nodes: 2, batchesPerNode: 4, SubscriptionsOnEveryShard(4), reportsPerBatch: 10, seed: 44);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment());
        TcpFaultProxy second = _world.ClickHouseProxy![1];
        try
        {
            Task held = second.PauseOnAsync("query=INSERT");
            await work.SendAllAsync(ingest, tokens);
            await held.WaitAsync(Deadline);
            // One insert per shard and table: once shard 1 has rows of the workload, it has all of that flush's.
            await Poll.UntilAsync(async () => await LocalRowsAsync(0, work) > 0, Deadline, "the flush's rows on shard 1");
            second.Block(); // the held insert is reset before shard 2 read a byte of it
            second.Resume();
            await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_clickhouse_failures_total") >= 1, Deadline, "the flush to fail on shard 2");
            Assert.Equal(0, await LocalRowsAsync(1, work));

            second.Unblock();
            await WaitForDrainAsync(ingest);
            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await AssertEachShardHoldsItsOwnAsync(work);
            Assert.Equal(ExpectedRowsOn(0, work), await LocalRowsAsync(0, work)); // not doubled
            Assert.True(await ingest.MetricAsync("vpnperf_ingest_clickhouse_replayed_batches_skipped_total") >= 1);
        }
        finally
        {
            second.Unblock();
            second.Resume();
            ingest.WriteLogTo(output);
        }
    }

    /// <summary>The sharding key of the Distributed <c>traffic</c> table puts a row where <see cref="ClickHouseShards.Of"/> says (a backfill through it lands where the Ingest writes).</summary>
    [Fact]
    public async Task ShardsOf_RowsInsertedThroughDistributedTable_LandOnTheSameShard()
    {
        Guid[] subscriptions = [.. Enumerable.Range(0, 64).Select(_ => Guid.NewGuid())];
        Guid node = Guid.NewGuid();
        long start = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // Synchronous: the Distributed table's default queues the rows on the server asked and acknowledges before they reach a shard.
        using var client = new ClickHouseClient(_world.ClickHouse.Client.Options with { Settings = new Dictionary<string, string> { ["insert_distributed_sync"] = "1" } });
        await TestRows.InsertTrafficAsync(client, [.. subscriptions.Select(sid => new TrafficRow(start, 60, sid, Guid.NewGuid(), node, 1, 1, 1, start))]);

        for (int s = 0; s < ShardCount; s++)
        {
            List<string[]> rows = await _world.ClickHouse.Shards[s].QueryRowsAsync(
                "SELECT subscription_id FROM traffic_local WHERE node_id = {node} ORDER BY subscription_id", new ClickHouseParameters().Add("node", node), CancellationToken.None);
            Guid[] expected = [.. subscriptions.Where(sid => ClickHouseShards.Of(sid, ShardCount) == s).Order()];
            Assert.Equal(expected, rows.Select(r => Guid.Parse(r[0])).Order().ToArray());
            Assert.NotEmpty(expected);
        }
    }

    /// <summary><paramref name="perShard"/> subscriptions on each shard, interleaved.</summary>
    private List<Guid> SubscriptionsOnEveryShard(int perShard)
    {
        var result = new List<Guid>();
        for (int i = 0; result.Count < perShard * ShardCount; )
        {
            var sid = Guid.NewGuid();
            if (ClickHouseShards.Of(sid, ShardCount) != i % ShardCount) continue;
            result.Add(sid);
            i++;
        }
        return result;
    }

    private long ExpectedRowsOn(int shard, Workload work)
    {
        long rows = 0;
        foreach ((Guid node, ulong seq) in work.Expected.Keys)
        {
            rows += work.ReportSubscriptions(node, seq).Count(sid => ClickHouseShards.Of(sid, ShardCount) == shard);
        }
        return rows;
    }

    private async Task<long> LocalRowsAsync(int shard, Workload work) =>
        await TestClickHouse.LongAsync(_world.ClickHouse.Shards[shard], "SELECT count() FROM traffic_local WHERE node_id IN {nodes}",
            new ClickHouseParameters().AddInList("nodes", [.. work.Nodes]));

    /// <summary>Every traffic and access_log row of the workload sits on its subscription's shard, and each shard has all of its own.</summary>
    private async Task AssertEachShardHoldsItsOwnAsync(Workload work)
    {
        var nodes = new ClickHouseParameters().AddInList("nodes", [.. work.Nodes]);
        for (int s = 0; s < ShardCount; s++)
        {
            foreach (string table in new[] { "traffic_local", "access_log_local" })
            {
                List<string[]> rows = await _world.ClickHouse.Shards[s].QueryRowsAsync(
                    $"SELECT DISTINCT subscription_id FROM {table} WHERE node_id IN {{nodes}}", nodes, CancellationToken.None);
                foreach (string[] r in rows) Assert.Equal(s, ClickHouseShards.Of(Guid.Parse(r[0]), ShardCount));
            }
            Assert.Equal(ExpectedRowsOn(s, work), await LocalRowsAsync(s, work));
        }
    }

    private async Task AssertSameAsync(string rollupSql, string rawSql)
    {
        string rollup = await _world.ClickHouse.Client.QueryTextAsync(rollupSql, null, CancellationToken.None);
        string raw = await _world.ClickHouse.Client.QueryTextAsync(rawSql, null, CancellationToken.None);
        Assert.False(string.IsNullOrWhiteSpace(raw));
        Assert.Equal(raw, rollup);
    }

    private static async Task WaitForDrainAsync(IngestProcess ingest) =>
        await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") == 0, Deadline,
            "the spool to drain into both shards", async () => $"{await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes")} bytes");
}
