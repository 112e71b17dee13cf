using System.Net;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Faults;

/// <summary>
/// Redis unreachable (a blocked proxy: every connection reset), unreachable from the start, or stuck (a paused proxy:
/// connected, nothing answered): Ingest answers 503 with Retry-After (at once when there is no connection, the
/// library's backlog being fail-fast; after the command timeout when Redis is stuck), recovers by itself when Redis
/// is back, and the node's retry of the same seq gets a 200. Each batch is counted once in Redis and stored once in
/// ClickHouse, although the spool holds the refused copies too and a stuck call may still reach Redis after its 503.
/// One server only: the proxy stands in front of one Redis, and a Cluster's nodes redirect clients to their own addresses.
/// </summary>
[Trait(RedisTopology.Trait, RedisTopology.SingleServer)]
public sealed class RedisOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private FaultWorld _world = null!;

    public async Task InitializeAsync() =>
        _world = await FaultWorld.CreateAsync(nameof(RedisOutageTests), proxyRedis: true);

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task PostReport_RedisBlocked_503WithRetryAfterThenRetryCountedOnce()
    {
        TcpFaultProxy proxy = _world.RedisProxy!;
        var work = new Workload(nodes: 2, batchesPerNode: 6, subscriptions: 10, reportsPerBatch: 5, seed: 5);
        ReportResponse retried = await OutageThenRecoveryAsync(work, proxy.Block, async (ingest, body, token) =>
        {
            // During the outage every attempt (cached token or not, cached state or not) is a 503 the node may retry.
            for (int attempt = 0; attempt < 8; attempt++)
            {
                await AssertRefusedAsync(ingest, body, token, attempt);
                await Task.Delay(250); // spread over the cache maintenance ticks that drop caches on failure
            }
            Assert.True(await ingest.MetricAsync("vpnperf_ingest_redis_failures_total") >= 1);
        }, proxy.Unblock);
        Assert.False(retried.Duplicate);
    }

    [Fact]
    public async Task PostReport_RedisDownWhenIngestStarts_503ThenAcceptedWithoutRestart()
    {
        TcpFaultProxy proxy = _world.RedisProxy!;
        var work = new Workload(nodes: 2, batchesPerNode: 3, subscriptions: 10, reportsPerBatch: 5, seed: 6);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        proxy.Block();
        // Ingest starts without Redis: the connection keeps trying in the background and every request is refused.
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment());
        try
        {
            Guid first = work.Nodes[0];
            for (int attempt = 0; attempt < 3; attempt++)
            {
                await AssertRefusedAsync(ingest, work.Body(first, 1), tokens[first], attempt);
            }
            Assert.True(proxy.Accepted >= 1, "Ingest never tried to connect to Redis");

            proxy.Unblock();
            Assert.False((await RetryUntilAcceptedAsync(ingest, work.Body(first, 1), tokens[first])).Duplicate);
            await SendAsync(ingest, work, tokens, fromSeq: 1, toSeq: (ulong)work.BatchesPerNode, skip: (first, 1));
            await AssertCountedOnceAsync(ingest, work);
        }
        finally
        {
            ingest.WriteLogTo(output);
        }
    }

    [Fact]
    public async Task PostReport_RedisStuck_503AfterTheCommandTimeoutThenRetryCountedOnce()
    {
        TcpFaultProxy proxy = _world.RedisProxy!;
        // Two subscriptions in 10-report batches: batches 1..2 name both, so from then on the token and the states are
        // cached and what meets the stuck Redis is the script call.
        var work = new Workload(nodes: 2, batchesPerNode: 4, subscriptions: 2, reportsPerBatch: 10, seed: 7);
        // Connected, but nothing comes back: the request waits for the command timeout (RedisConnector's asyncTimeout),
        // not for ever, and the node is told to retry. On Resume the held commands reach Redis, the refused batch's script
        // call among them, which may count the batch after its 503: the retry then finds its seq and counts nothing again.
        await OutageThenRecoveryAsync(work, proxy.Pause, (ingest, body, token) => AssertRefusedAsync(ingest, body, token, attempt: 0), proxy.Resume);
    }

    /// <summary>
    /// Batches 1..2 of each node while Redis is up, then <paramref name="fault"/>, <paramref name="whileFaulty"/> with the
    /// first node's batch 3, and <paramref name="heal"/>; then the node's retries of that batch until a 200 (returned),
    /// the remaining batches, and each batch counted once in Redis and stored once in ClickHouse.
    /// </summary>
    private async Task<ReportResponse> OutageThenRecoveryAsync(Workload work, Action fault, Func<IngestProcess, byte[], string, Task> whileFaulty, Action heal)
    {
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment());
        try
        {
            await SendAsync(ingest, work, tokens, fromSeq: 1, toSeq: 2);
            Guid first = work.Nodes[0];
            fault();
            await whileFaulty(ingest, work.Body(first, 3), tokens[first]);
            heal();
            ReportResponse retried = await RetryUntilAcceptedAsync(ingest, work.Body(first, 3), tokens[first]);
            await SendAsync(ingest, work, tokens, fromSeq: 3, toSeq: (ulong)work.BatchesPerNode, skip: (first, 3));
            await AssertCountedOnceAsync(ingest, work);
            return retried;
        }
        finally
        {
            ingest.WriteLogTo(output);
        }
    }

    private static async Task SendAsync(IngestProcess ingest, Workload work, Dictionary<Guid, string> tokens, ulong fromSeq, ulong toSeq,
        (Guid Node, ulong Seq) skip = default)
    {
        foreach (Guid node in work.Nodes)
        {
            for (ulong seq = fromSeq; seq <= toSeq; seq++)
            {
                if ((node, seq) != skip) await ingest.PostAcceptedAsync(work.Body(node, seq), tokens[node]);
            }
        }
    }

    private static async Task AssertRefusedAsync(IngestProcess ingest, byte[] body, string token, int attempt)
    {
        using HttpResponseMessage refused = await ingest.PostReportAsync(body, token);
        Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable,
            $"attempt {attempt}: {(int)refused.StatusCode} {await refused.Content.ReadAsStringAsync()}");
        Assert.Equal("redis-unavailable", refused.Headers.GetValues("X-Reject-Reason").Single());
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    /// <summary>The node's retry loop: the same seq until a 2xx; anything else must be a 503.</summary>
    private static async Task<ReportResponse> RetryUntilAcceptedAsync(IngestProcess ingest, byte[] body, string token)
    {
        ReportResponse? accepted = null;
        await Poll.UntilAsync(async () =>
        {
            using HttpResponseMessage r = await ingest.PostReportAsync(body, token);
            Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{(int)r.StatusCode}");
            if (r.StatusCode != HttpStatusCode.OK) return false;
            accepted = ReportResponse.Parse(await r.Content.ReadAsByteArrayAsync());
            return true;
        }, Deadline, "Ingest to accept the retried batch after Redis came back");
        return accepted!;
    }

    private async Task AssertCountedOnceAsync(IngestProcess ingest, Workload work)
    {
        await work.AssertRedisCountersAsync(_world.Redis);
        await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") == 0, Deadline,
            "the spool to drain into ClickHouse");
        await work.AssertExactlyOnceAsync(_world.ClickHouse);
    }
}
