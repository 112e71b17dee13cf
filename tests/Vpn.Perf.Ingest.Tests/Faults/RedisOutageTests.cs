using Vpn.Perf.Testing;
using System.Net;
using Vpn.Perf.Ingest.Tests.Harness;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Faults;

/// <summary>
/// Redis unreachable (through a blocked proxy): Ingest answers 503 with Retry-After, the node retries the same seq
/// after the outage and gets a 200; each batch is counted once in Redis and stored once in ClickHouse, although the
/// spool holds the refused copies too.
/// </summary>
public sealed class RedisOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private FaultWorld _world = null!;

    public async Task InitializeAsync() =>
        _world = await FaultWorld.CreateAsync(TestServers.RedisDb.RedisOutage, nameof(RedisOutageTests), proxyRedis: true);

    public async Task DisposeAsync() => await _world.DisposeAsync();

    [Fact]
    public async Task PostReport_RedisBlocked_503WithRetryAfterThenRetryCountedOnce()
    {
        TcpFaultProxy proxy = _world.RedisProxy!;
        var work = new Workload(nodes: 2, batchesPerNode: 6, subscriptions: 10, reportsPerBatch: 5, seed: 5);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess ingest = await IngestProcess.StartAsync(_world.Environment());
        try
        {
            // Batches 1..2 of each node go through while Redis is up.
            foreach (Guid node in work.Nodes)
            {
                for (ulong seq = 1; seq <= 2; seq++) await ingest.PostAcceptedAsync(work.Body(node, seq), tokens[node]);
            }

            proxy.Block();
            // During the outage every attempt (cached token or not, cached state or not) is a 503 the node may retry.
            Guid first = work.Nodes[0];
            for (int attempt = 0; attempt < 8; attempt++)
            {
                using HttpResponseMessage refused = await ingest.PostReportAsync(work.Body(first, 3), tokens[first]);
                Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable,
                    $"attempt {attempt}: {(int)refused.StatusCode} {await refused.Content.ReadAsStringAsync()}");
                Assert.Equal("redis-unavailable", refused.Headers.GetValues("X-Reject-Reason").Single());
                Assert.NotNull(refused.Headers.RetryAfter);
                await Task.Delay(250); // spread over the cache maintenance ticks that drop caches on failure
            }
            Assert.True(await ingest.MetricAsync("vpnperf_ingest_redis_failures_total") >= 1);

            proxy.Unblock();
            // The node's retry loop: the same seq until a 2xx; anything else must be a 503.
            await Poll.UntilAsync(async () =>
            {
                using HttpResponseMessage r = await ingest.PostReportAsync(work.Body(first, 3), tokens[first]);
                Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"{(int)r.StatusCode}");
                if (r.StatusCode != HttpStatusCode.OK) return false;
                Assert.False(ReportResponse.Parse(await r.Content.ReadAsByteArrayAsync()).Duplicate);
                return true;
            }, Deadline, "Ingest to accept the retried batch after Redis came back");

            foreach (Guid node in work.Nodes)
            {
                for (ulong seq = node == first ? 4UL : 3UL; seq <= (ulong)work.BatchesPerNode; seq++)
                {
                    await ingest.PostAcceptedAsync(work.Body(node, seq), tokens[node]);
                }
            }

            await work.AssertRedisCountersAsync(_world.Redis);
            await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") == 0, Deadline,
                "the spool to drain into ClickHouse");
            await work.AssertExactlyOnceAsync(_world.ClickHouse);
        }
        finally
        {
            ingest.WriteLogTo(output);
        }
    }
}
