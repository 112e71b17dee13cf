using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>
/// A deterministic multi-node workload: every node sends batches 1..N over a shared pool of subscriptions. Keeps what
/// each batch holds so a test can check ClickHouse per (node, seq) and Redis per subscription.
/// </summary>
internal sealed class Workload
{
    private readonly Dictionary<(Guid Node, ulong Seq), byte[]> _bodies = [];
    private readonly Dictionary<(Guid Node, ulong Seq), Guid[]> _reportSubscriptions = [];

    public Workload(int nodes, int batchesPerNode, int subscriptions, int reportsPerBatch, int seed)
        : this(nodes, batchesPerNode, [.. Enumerable.Range(0, subscriptions).Select(_ => Guid.NewGuid())], reportsPerBatch, seed)
    {
    }

    /// <summary>A workload over the given subscriptions (for example ones chosen by their bucket).</summary>
    public Workload(int nodes, int batchesPerNode, IReadOnlyList<Guid> subscriptions, int reportsPerBatch, int seed)
    {
        var random = new Random(seed);
        Nodes = [.. Enumerable.Range(0, nodes).Select(_ => Guid.NewGuid())];
        Subscriptions = subscriptions;
        foreach (Guid node in Nodes)
        {
            for (ulong seq = 1; seq <= (ulong)batchesPerNode; seq++)
            {
                var reports = new TrafficReport[reportsPerBatch];
                long up = 0, down = 0;
                for (int i = 0; i < reports.Length; i++)
                {
                    Guid sid = Subscriptions[random.Next(Subscriptions.Count)];
                    ulong u = (ulong)random.Next(1, 1_000_000), d = (ulong)random.Next(1, 5_000_000);
                    reports[i] = TestBatch.Report(sid, u, d);
                    up += (long)u;
                    down += (long)d;
                    UsedBySubscription[sid] = UsedBySubscription.GetValueOrDefault(sid) + (long)(u + d);
                }
                _bodies[(node, seq)] = TestBatch.Build(seq, reports, accessEvents: 1);
                _reportSubscriptions[(node, seq)] = [.. reports.Select(r => r.SubscriptionId)];
                Expected[(node, seq)] = (reportsPerBatch, up, down);
            }
        }
    }

    public IReadOnlyList<Guid> Nodes { get; }

    public IReadOnlyList<Guid> Subscriptions { get; }

    /// <summary>Per batch: traffic rows, sum(bytes_up), sum(bytes_down).</summary>
    public Dictionary<(Guid Node, ulong Seq), (long Rows, long Up, long Down)> Expected { get; } = [];

    public Dictionary<Guid, long> UsedBySubscription { get; } = [];

    public long TotalRows => Expected.Values.Sum(e => e.Rows);

    public byte[] Body(Guid node, ulong seq) => _bodies[(node, seq)];

    /// <summary>The subscription of each report of a batch, in order (its access event is the first report's).</summary>
    public IReadOnlyList<Guid> ReportSubscriptions(Guid node, ulong seq) => _reportSubscriptions[(node, seq)];

    public int BatchesPerNode => Expected.Count / Nodes.Count;

    /// <summary>Sends every node's batches in order (nodes in parallel), each must be accepted.</summary>
    public async Task SendAllAsync(IngestProcess ingest, IReadOnlyDictionary<Guid, string> tokens)
    {
        await Task.WhenAll(Nodes.Select(async node =>
        {
            for (ulong seq = 1; seq <= (ulong)BatchesPerNode; seq++)
            {
                ReportResponse r = await ingest.PostAcceptedAsync(Body(node, seq), tokens[node]);
                Assert.False(r.Duplicate);
            }
        }));
    }

    /// <summary>Checks ClickHouse holds every batch of this workload exactly once (rows and sums per (node, seq)).</summary>
    public async Task AssertExactlyOnceAsync(TestClickHouse clickHouse)
    {
        var actual = await clickHouse.TrafficByBatchAsync();
        var mine = actual.Where(kv => Nodes.Contains(kv.Key.Node)).ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (((Guid node, ulong seq) key, (long rows, long up, long down) expected) in Expected)
        {
            Assert.True(mine.TryGetValue(key, out var got), $"batch {key.node}/{key.seq} is missing from ClickHouse");
            Assert.True(expected == got, $"batch {key.node}/{key.seq}: expected {expected}, ClickHouse has {got}");
        }
        Assert.Equal(Expected.Count, mine.Count);
        long access = await clickHouse.LongAsync("SELECT count() FROM access_log WHERE node_id IN {nodes}",
            new Shared.ClickHouse.ClickHouseParameters().AddInList("nodes", [.. Nodes]));
        Assert.Equal(Expected.Count, access); // one access event per batch
    }

    public async Task<long> RowsInClickHouseAsync(TestClickHouse clickHouse) =>
        await clickHouse.LongAsync("SELECT count() FROM traffic WHERE node_id IN {nodes}",
            new Shared.ClickHouse.ClickHouseParameters().AddInList("nodes", [.. Nodes]));

    public async Task AssertRedisCountersAsync(TestRedis redis)
    {
        foreach ((Guid sid, long used) in UsedBySubscription)
        {
            Assert.Equal(used, await redis.UsedAsync(sid));
        }
    }
}
