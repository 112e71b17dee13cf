using System.Diagnostics;
using System.Globalization;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Benchmarks.ClickHouse;

/// <summary>
/// Not a BenchmarkDotNet suite: the two ways of writing traffic to ClickHouse shards, side by side in one run, rounds
/// interleaved so a busy machine weighs on both alike (docs/analytics.md, "Shards", gives the figures). Each round
/// encodes one flush of 100k rows and stores it:
/// <list type="bullet">
/// <item><b>direct</b>: each row into its shard's buffer (<see cref="ClickHouseShards.Of"/>, as the Ingest does), then one
/// insert per shard into <c>traffic_local</c>, the shards in parallel;</item>
/// <item><b>distributed-sync</b>: every row into one buffer, one insert into the Distributed <c>traffic</c> with
/// <c>insert_distributed_sync=1</c> (the server asked splits the rows and forwards each shard's part before answering);</item>
/// <item><b>distributed-async</b>: the same with ClickHouse's default: the answer comes once the parts are queued on the
/// server asked's disk, before any shard has them, so the time is to the acknowledgement, not to the rows being readable.</item>
/// </list>
/// <c>dotnet run -c Release --project bench -- ch-shards [shard connection strings, ';'-separated] [rounds]</c> (defaults:
/// <c>ConnectionStrings__ClickHouseShards</c>, 10); the database on each shard needs schema/clickhouse-shards/.
/// </summary>
internal static class ShardInsertThroughput
{
    private const int Rows = 100_000;

    public static async Task<int> RunAsync(string[] args)
    {
        string cs = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("ConnectionStrings__ClickHouseShards")
            ?? throw new InvalidOperationException("Give the shards' connection strings (or set ConnectionStrings__ClickHouseShards).");
        int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
        IReadOnlyList<ClickHouseOptions> shards = ClickHouseShards.Parse(cs);
        var clients = new ClickHouseClient[shards.Count];
        for (int s = 0; s < clients.Length; s++) clients[s] = new ClickHouseClient(shards[s]);
        using var sync = new ClickHouseClient(shards[0] with { Settings = new Dictionary<string, string> { ["insert_distributed_sync"] = "1" } });
        using var async = new ClickHouseClient(shards[0]);
        TrafficRow[] rows = TrafficRowSamples.Create(Rows, seed: 3);
        var buffers = new PooledBufferWriter[clients.Length];
        for (int s = 0; s < buffers.Length; s++) buffers[s] = new PooledBufferWriter(Rows * TrafficTables.TrafficRowBytes);
        using var one = new PooledBufferWriter(Rows * TrafficTables.TrafficRowBytes);
        try
        {
            var direct = new List<double>();
            var distributedSync = new List<double>();
            var distributedAsync = new List<double>();
            for (int round = -1; round < rounds; round++) // round -1 warms up
            {
                double d = await TimeAsync(() => DirectAsync(rows, buffers, clients));
                double ds = await TimeAsync(() => ThroughDistributedAsync(rows, one, sync));
                double da = await TimeAsync(() => ThroughDistributedAsync(rows, one, async));
                if (round < 0) continue;
                direct.Add(d);
                distributedSync.Add(ds);
                distributedAsync.Add(da);
            }
            Report("direct", direct, rounds);
            Report("distributed-sync", distributedSync, rounds);
            Report("distributed-async", distributedAsync, rounds);
            return 0;
        }
        finally
        {
            foreach (PooledBufferWriter b in buffers) b.Dispose();
            foreach (ClickHouseClient c in clients) c.Dispose();
        }
    }

    private static async Task DirectAsync(TrafficRow[] rows, PooledBufferWriter[] buffers, ClickHouseClient[] clients)
    {
        foreach (PooledBufferWriter b in buffers) b.Reset();
        foreach (TrafficRow row in rows)
        {
            var writer = new RowBinaryWriter(buffers[ClickHouseShards.Of(row.SubscriptionId, buffers.Length)]);
            TrafficTables.WriteTraffic(ref writer, row);
        }
        var inserts = new Task[clients.Length];
        for (int s = 0; s < clients.Length; s++)
            inserts[s] = clients[s].InsertRowBinaryAsync(TrafficTables.TrafficLocal, TrafficTables.TrafficColumnList, buffers[s].WrittenMemory, CancellationToken.None);
        await Task.WhenAll(inserts);
    }

    private static async Task ThroughDistributedAsync(TrafficRow[] rows, PooledBufferWriter buffer, ClickHouseClient client)
    {
        buffer.Reset();
        var writer = new RowBinaryWriter(buffer);
        foreach (TrafficRow row in rows) TrafficTables.WriteTraffic(ref writer, row);
        await client.InsertRowBinaryAsync(TrafficTables.Traffic, TrafficTables.TrafficColumnList, buffer.WrittenMemory, CancellationToken.None);
    }

    private static async Task<double> TimeAsync(Func<Task> store)
    {
        var clock = Stopwatch.StartNew();
        await store();
        return clock.Elapsed.TotalSeconds;
    }

    private static void Report(string name, List<double> seconds, int rounds)
    {
        seconds.Sort();
        double median = seconds[seconds.Count / 2];
        double total = 0;
        foreach (double s in seconds) total += s;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-18} {rounds} x {Rows} rows: median {median * 1000:F0} ms = {Rows / median:F0} rows/s; mean {Rows * rounds / total:F0} rows/s"));
    }
}
