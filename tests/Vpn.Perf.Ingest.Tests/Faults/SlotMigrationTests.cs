using System.Globalization;
using System.Net;
using StackExchange.Redis;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Faults;

/// <summary>
/// Redis Cluster only: the slot of a busy bucket moves to another master while nodes send batches that touch it, the
/// way an operator rebalances (<c>CLUSTER SETSLOT IMPORTING</c> on the target, <c>MIGRATING</c> on the source,
/// <c>MIGRATE ... KEYS</c> a few keys at a time, then <c>SETSLOT NODE</c> everywhere). Mid-migration a bucket's script
/// call meets <c>ASK</c> (none of its keys left on the source: the library sends it to the target) or <c>TRYAGAIN</c>
/// (its keys are split between the two, or some do not exist yet on the importing target), and once the slot has
/// moved, <c>MOVED</c>. Ingest must answer 503 to what it cannot apply, never 500; the nodes retry the same seq as real
/// nodes do, and every counter comes out exact, every batch stored once.
/// </summary>
[Trait(RedisTopology.Trait, RedisTopology.Cluster)]
public sealed class SlotMigrationTests(ITestOutputHelper output)
{
    // Far more buckets than any other class uses (Ingest's tests 8, the Api's default 16): the busy bucket is one that
    // no other class touches, so moving its slot disturbs nobody else's keys (hash tags decide the slot, not prefixes).
    private const int BucketCount = 1024;
    private const int KeysPerMigrate = 2;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PostReport_SlotOfABusyBucketMigratesWhileBatchesFlow_EveryCounterExactAndNo500()
    {
        await using TestRedis redis = await TestRedis.OpenAsync(nameof(SlotMigrationTests), BucketCount);
        IServer[] masters = redis.Primaries;
        Assert.True(masters.Length > 1 && masters[0].ServerType == ServerType.Cluster,
            $"This test needs a Redis Cluster: ConnectionStrings__Redis must name its nodes (the second pass of `{TestServers.StartCommand}`).");
        (int bucket, int slot) = await QuietBucketAsync(masters[0]);
        // Most reports go to the busy bucket; a few elsewhere, so a batch's other buckets are applied while the busy one is
        // refused, and the retry must count only what is missing.
        Guid[] subscriptions = [.. InBucket(bucket, 24), .. Enumerable.Range(0, 8).Select(_ => NotInBucket(bucket))];
        var work = new Workload(nodes: 4, batchesPerNode: 45, subscriptions, reportsPerBatch: 8, seed: 21);
        var tokens = new Dictionary<Guid, string>();
        foreach (Guid node in work.Nodes)
        {
            tokens[node] = await redis.SeedNodeTokenAsync(node);
            await redis.LinkAsync(node, work.Subscriptions);
        }
        await using TestClickHouse clickHouse = await TestClickHouse.CreateAsync(nameof(SlotMigrationTests));
        var env = new Dictionary<string, string>(redis.IngestSettings())
        {
            ["ConnectionStrings__ClickHouse"] = TestServers.ClickHouseFor(clickHouse.Name),
            ["Ingest__BucketCount"] = BucketCount.ToString(CultureInfo.InvariantCulture),
            ["Ingest__FlushInterval"] = "00:00:00.200",
        };
        await using IngestProcess ingest = await IngestProcess.StartAsync(env);
        var traffic = new Traffic(ingest, work, tokens);
        try
        {
            // A third of each node's batches first, so the slot holds usage and dedup keys to move.
            ulong third = (ulong)work.BatchesPerNode / 3;
            await traffic.SendAsync(1, third);
            IServer source = redis.Connection.GetServer((RedisKey)$"{{b{bucket}}}");
            IServer target = masters.First(m => !m.EndPoint.Equals(source.EndPoint));

            Task rest = traffic.SendAsync(third + 1, (ulong)work.BatchesPerNode);
            await MigrateAsync(slot, source, target, masters, traffic, rest);
            await rest;

            Assert.Equal(0L, (long)await source.ExecuteAsync("CLUSTER", "COUNTKEYSINSLOT", slot));
            Assert.True((long)await target.ExecuteAsync("CLUSTER", "COUNTKEYSINSLOT", slot) > 0, "the slot's keys are on the target");
            await work.AssertRedisCountersAsync(redis);
            await Poll.UntilAsync(async () => await ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") == 0, Deadline,
                "the spool to drain into ClickHouse");
            await Poll.UntilAsync(async () => await work.RowsInClickHouseAsync(clickHouse) >= work.TotalRows, Deadline,
                "every batch to reach ClickHouse");
            await work.AssertExactlyOnceAsync(clickHouse);
            output.WriteLine($"bucket {bucket} (slot {slot}) moved from {source.EndPoint} to {target.EndPoint}; " +
                $"{traffic.Answers} answers, {traffic.Refused} of them 503 and retried");
        }
        finally
        {
            ingest.WriteLogTo(output);
        }
    }

    /// <summary>
    /// Moves <paramref name="slot"/> from <paramref name="source"/> to <paramref name="target"/> a few keys at a time.
    /// Before each step it waits (bounded) until Ingest has answered another request, so steps and batches interleave
    /// for as long as the nodes are still sending.
    /// </summary>
    private static async Task MigrateAsync(int slot, IServer source, IServer target, IServer[] masters, Traffic traffic, Task sending)
    {
        string sourceId = (string)(await source.ExecuteAsync("CLUSTER", "MYID"))!;
        string targetId = (string)(await target.ExecuteAsync("CLUSTER", "MYID"))!;
        var to = (IPEndPoint)target.EndPoint;
        await target.ExecuteAsync("CLUSTER", "SETSLOT", slot, "IMPORTING", sourceId);
        await source.ExecuteAsync("CLUSTER", "SETSLOT", slot, "MIGRATING", targetId);
        while (true)
        {
            long seen = traffic.Answers;
            await Poll.UntilAsync(() => Task.FromResult(traffic.Answers > seen || sending.IsCompleted), Deadline,
                "Ingest to answer another batch between two migration steps");
            var keys = (RedisKey[])(await source.ExecuteAsync("CLUSTER", "GETKEYSINSLOT", slot, KeysPerMigrate))!;
            if (keys.Length == 0) break;
            var args = new List<object> { to.Address.ToString(), to.Port, "", 0, 5000, "KEYS" };
            foreach (RedisKey key in keys) args.Add(key);
            await source.ExecuteAsync("MIGRATE", args);
        }
        // The target first, so it owns the slot before the source stops redirecting there; then every other master.
        await target.ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", targetId);
        await source.ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", targetId);
        foreach (IServer other in masters.Where(m => !m.EndPoint.Equals(source.EndPoint) && !m.EndPoint.Equals(target.EndPoint)))
        {
            await other.ExecuteAsync("CLUSTER", "SETSLOT", slot, "NODE", targetId);
        }
    }

    /// <summary>
    /// A bucket past the default count whose slot no bucket of the default count shares (so no other test class's keys
    /// are in it), and its slot.
    /// </summary>
    private static async Task<(int Bucket, int Slot)> QuietBucketAsync(IServer server)
    {
        var taken = new HashSet<long>();
        for (int b = 0; b < Buckets.DefaultCount; b++) taken.Add(await KeySlotAsync(server, b));
        for (int b = Buckets.DefaultCount; b < BucketCount; b++)
        {
            long slot = await KeySlotAsync(server, b);
            if (!taken.Contains(slot)) return (b, (int)slot);
        }
        throw new InvalidOperationException($"Every bucket's slot is shared with one of the first {Buckets.DefaultCount}.");
    }

    private static async Task<long> KeySlotAsync(IServer server, int bucket) =>
        (long)await server.ExecuteAsync("CLUSTER", "KEYSLOT", $"{{b{bucket}}}");

    private static IEnumerable<Guid> InBucket(int bucket, int count)
    {
        for (int found = 0; found < count;)
        {
            var id = Guid.NewGuid();
            if (Buckets.Of(id, BucketCount) != bucket) continue;
            found++;
            yield return id;
        }
    }

    private static Guid NotInBucket(int bucket)
    {
        while (true)
        {
            var id = Guid.NewGuid();
            if (Buckets.Of(id, BucketCount) != bucket) return id;
        }
    }

    /// <summary>The nodes: each sends its batches in order and retries a refused one (503) with the same seq, as a node does.</summary>
    private sealed class Traffic(IngestProcess ingest, Workload work, Dictionary<Guid, string> tokens)
    {
        private long _answers;
        private long _refused;

        public long Answers => Interlocked.Read(ref _answers);

        public long Refused => Interlocked.Read(ref _refused);

        public Task SendAsync(ulong from, ulong to) => Task.WhenAll(work.Nodes.Select(async node =>
        {
            for (ulong seq = from; seq <= to; seq++)
            {
                byte[] body = work.Body(node, seq);
                // Poll's pause between tries stands in for Retry-After (a real node waits longer; the outcome is the same).
                await Poll.UntilAsync(async () =>
                {
                    using HttpResponseMessage r = await ingest.PostReportAsync(body, tokens[node]);
                    Interlocked.Increment(ref _answers);
                    if (r.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Interlocked.Increment(ref _refused);
                        return false;
                    }
                    Assert.True(r.StatusCode == HttpStatusCode.OK,
                        $"node {node} batch {seq}: {(int)r.StatusCode} {string.Join(",", r.Headers.TryGetValues("X-Reject-Reason", out var why) ? why : [])} {await r.Content.ReadAsStringAsync()}");
                    return true;
                }, Deadline, $"node {node}'s batch {seq} to be accepted");
            }
        }));
    }
}
