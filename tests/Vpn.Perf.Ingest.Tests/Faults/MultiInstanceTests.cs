using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Faults;

/// <summary>
/// Two real Ingest processes on one Redis and one ClickHouse, each with its own spool, a node's batches reaching either
/// (issue 11): every report counted once in Redis and stored once in ClickHouse.
/// </summary>
[Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one Redis
[Trait(ClickHouseTopology.Trait, ClickHouseTopology.Any)]
public sealed class MultiInstanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private FaultWorld _world = null!;

    public async Task InitializeAsync() =>
        _world = await FaultWorld.CreateAsync(nameof(MultiInstanceTests), proxyRedis: true, proxyClickHouse: true);

    public async Task DisposeAsync() => await _world.DisposeAsync();

    /// <summary>
    /// The race docs/ingest.md used to document: instance A checks the ledgers and sends its insert, which the proxy holds
    /// right there; the node's retry of the same batches reaches B, whose sink then finds nothing in the ledgers either.
    /// Without a claim both inserts land. The test waits for B to either store the rows or report that it waits for
    /// another instance's claim, then lets A's insert through.
    /// </summary>
    [Fact]
    public async Task Flush_RetryOnOtherInstanceWhileFirstInserts_RowsStoredOnce()
    {
        ClickHouseProxies proxy = _world.ClickHouseProxy!;
        var work = new Workload(nodes: 2, batchesPerNode: 2, subscriptions: 6, reportsPerBatch: 5, seed: 21);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess a = await IngestProcess.StartAsync(_world.Environment());
        await using IngestProcess b = await IngestProcess.StartAsync(_world.Environment(proxyClickHouse: false));
        try
        {
            await HoldInsertOnAThenRetryOnBAsync(a, b, work, tokens);
            await Poll.UntilAsync(
                async () => await work.RowsInClickHouseAsync(_world.ClickHouse) >= work.TotalRows
                    || await b.MetricAsync("vpnperf_ingest_clickhouse_claim_waits_total") >= 1,
                Deadline, "B to store the retried batches or to wait for A's claim");

            proxy.Resume();
            await WaitForDrainAsync(a);
            await WaitForDrainAsync(b);

            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await work.AssertRedisCountersAsync(_world.Redis);
        }
        finally
        {
            proxy.Resume();
            a.WriteLogTo(output);
            b.WriteLogTo(output);
        }
    }

    /// <summary>
    /// The claimer dies mid-insert and never comes back: its claim lapses (the test deletes the keys, which is what the
    /// lease's end does, instead of waiting five minutes) and the other instance, which held the same batches, stores them.
    /// </summary>
    [Fact]
    public async Task Flush_ClaimerKilledAndNeverBack_OtherInstanceStoresOnceAfterClaimLapses()
    {
        ClickHouseProxies proxy = _world.ClickHouseProxy!;
        var work = new Workload(nodes: 2, batchesPerNode: 3, subscriptions: 6, reportsPerBatch: 4, seed: 22);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess a = await IngestProcess.StartAsync(_world.Environment());
        await using IngestProcess b = await IngestProcess.StartAsync(_world.Environment(proxyClickHouse: false));
        try
        {
            await HoldInsertOnAThenRetryOnBAsync(a, b, work, tokens);
            await Poll.UntilAsync(async () => await b.MetricAsync("vpnperf_ingest_clickhouse_claim_waits_total") >= 1, Deadline,
                "B to wait for A's claims");

            await a.KillAsync();
            proxy.Block(); // the held insert never reaches ClickHouse
            // B stores what A had not claimed; A's held flush stays missing while its claims stand.
            Assert.True(await work.RowsInClickHouseAsync(_world.ClickHouse) < work.TotalRows);
            int lapsed = await ExpireClaimsAsync();
            Assert.True(lapsed > 0);

            await WaitForDrainAsync(b);
            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await work.AssertRedisCountersAsync(_world.Redis);
        }
        finally
        {
            proxy.Resume();
            a.WriteLogTo(output);
            b.WriteLogTo(output);
        }
    }

    /// <summary>
    /// Redis fails between a batch's acceptance and its flush: the sink cannot claim, so it inserts nothing (the spool
    /// holds the rows) and retries; once Redis is back the batch is claimed and lands once. The first flush is held at its
    /// insert so that the second batch is accepted, and Redis cut, before the flush that carries it claims.
    /// </summary>
    [Fact]
    public async Task Flush_RedisDownAtClaim_NothingInsertedUntilClaimed()
    {
        ClickHouseProxies clickHouse = _world.ClickHouseProxy!;
        TcpFaultProxy redis = _world.RedisProxy!;
        var first = new Workload(nodes: 1, batchesPerNode: 1, subscriptions: 3, reportsPerBatch: 4, seed: 24);
        var second = new Workload(nodes: 1, batchesPerNode: 1, subscriptions: 3, reportsPerBatch: 5, seed: 25);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(first, second);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment());
        try
        {
            Task insertHeld = clickHouse.PauseOnAsync("query=INSERT");
            await first.SendAllAsync(ingest, tokens);
            await insertHeld.WaitAsync(Deadline);
            await second.SendAllAsync(ingest, tokens);

            redis.Block();
            clickHouse.Resume(); // the first flush lands; the next one, with the second batch, cannot claim
            await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_clickhouse_claim_failures_total") >= 1, Deadline,
                "a flush to fail claiming");
            await first.AssertExactlyOnceAsync(_world.ClickHouse);
            Assert.Equal(0, await second.RowsInClickHouseAsync(_world.ClickHouse));

            redis.Unblock();
            await WaitForDrainAsync(ingest);
            await second.AssertExactlyOnceAsync(_world.ClickHouse);
            await first.AssertExactlyOnceAsync(_world.ClickHouse);
        }
        finally
        {
            redis.Unblock();
            clickHouse.Resume();
            ingest.WriteLogTo(output);
        }
    }

    /// <summary>
    /// kill -9 of one of two instances while both take load: each node sends its batches to either instance, every fifth
    /// batch reaches both (a retry that crossed), and a node whose instance fails retries on the other. A dies holding the
    /// claims of a flush whose insert the proxy holds (so its spool certainly has acknowledged batches not in ClickHouse,
    /// some of which B also holds and must wait for), and restarts on its spool while the load goes on.
    /// </summary>
    [Fact]
    public async Task Sigkill_OneOfTwoInstancesUnderCrossingLoad_EveryReportCountedAndStoredOnce()
    {
        ClickHouseProxies proxy = _world.ClickHouseProxy!;
        var work = new Workload(nodes: 6, batchesPerNode: 30, subscriptions: 40, reportsPerBatch: 8, seed: 23);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess a = await IngestProcess.StartAsync(_world.Environment());
        await using IngestProcess b = await IngestProcess.StartAsync(_world.Environment(proxyClickHouse: false));
        IngestProcess[] instances = [a, b];
        int total = work.Expected.Count, acknowledged = 0;
        var killAt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restartAt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            Task nodes = Task.WhenAll(work.Nodes.Select(async (node, n) =>
            {
                for (ulong seq = 1; seq <= (ulong)work.BatchesPerNode; seq++)
                {
                    int first = (n + (int)seq) % 2;
                    await SendUntilAcceptedAsync(instances, first, work.Body(node, seq), tokens[node]);
                    if (seq % 5 == 0) await SendUntilAcceptedAsync(instances, 1 - first, work.Body(node, seq), tokens[node]);
                    int done = Interlocked.Increment(ref acknowledged);
                    if (done == total / 3) killAt.TrySetResult();
                    if (done == total * 2 / 3) restartAt.TrySetResult();
                }
            }));

            await killAt.Task.WaitAsync(Deadline);
            await proxy.PauseOnAsync("query=INSERT").WaitAsync(Deadline); // A's next flush has claimed and is inserting
            await a.KillAsync();
            proxy.Block();
            await restartAt.Task.WaitAsync(Deadline); // B alone takes the load meanwhile
            proxy.Unblock();
            proxy.Resume();
            await a.RestartAsync();
            await nodes.WaitAsync(TimeSpan.FromSeconds(120));

            await WaitForDrainAsync(a);
            await WaitForDrainAsync(b);
            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await work.AssertRedisCountersAsync(_world.Redis);
        }
        finally
        {
            proxy.Unblock();
            proxy.Resume();
            a.WriteLogTo(output);
            b.WriteLogTo(output);
        }
    }

    /// <summary>
    /// Every batch goes to A, whose first flush claims, passes its ledger check and then waits in the proxy at its insert;
    /// then every batch is retried on B (a duplicate for Redis, which counted it once already).
    /// </summary>
    private async Task HoldInsertOnAThenRetryOnBAsync(IngestProcess a, IngestProcess b, Workload work, Dictionary<Guid, string> tokens)
    {
        Task insertHeld = _world.ClickHouseProxy!.PauseOnAsync("query=INSERT");
        await work.SendAllAsync(a, tokens);
        await insertHeld.WaitAsync(Deadline);
        foreach ((Guid node, ulong seq) in work.Expected.Keys)
        {
            ReportResponse retry = await b.PostAcceptedAsync(work.Body(node, seq), tokens[node]);
            Assert.True(retry.Duplicate);
        }
    }

    /// <summary>A node's retry loop: the same batch until a 200, switching instance after each failure (down, or 503).</summary>
    private static async Task SendUntilAcceptedAsync(IngestProcess[] instances, int first, byte[] body, string token)
    {
        for (int attempt = 0; attempt < 600; attempt++)
        {
            IngestProcess target = instances[(first + attempt) % instances.Length];
            try
            {
                using HttpResponseMessage response = await target.PostReportAsync(body, token);
                if (response.StatusCode == System.Net.HttpStatusCode.OK) return;
                Assert.True(response.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, $"unexpected {(int)response.StatusCode}");
            }
            catch (Exception ex) when (ex is HttpRequestException or ObjectDisposedException or TaskCanceledException)
            {
                // that instance is down or restarting
            }
            await Task.Delay(50);
        }
        Assert.Fail("a batch was not accepted by either instance within 600 attempts");
    }

    /// <summary>Deletes every batch claim under this class's key prefix: what the end of their lease does.</summary>
    private async Task<int> ExpireClaimsAsync()
    {
        int deleted = 0;
        foreach (StackExchange.Redis.RedisKey key in await _world.Redis.KeysAsync("*:claim:*"))
        {
            if (await _world.Redis.Db.KeyDeleteAsync(key)) deleted++;
        }
        return deleted;
    }

    private static async Task WaitForDrainAsync(IngestProcess ingest) =>
        await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") == 0, Deadline,
            "the spool backlog to reach 0", async () => $"{await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes")} bytes");
}
