using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Vpn.Perf.Benchmarks.Redis;
using Vpn.Perf.Ingest;
using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Benchmarks.Usage;

/// <summary>
/// The Redis stage in isolation: Ingest's <see cref="UsageApplier"/> applying 250-report batches (bucketed Lua
/// script calls) against a live server, next to <c>redis-benchmark -P 128</c> HINCRBY on the same server in the
/// same run, so the figure is a ratio and not just a number from a noisy machine.
/// Run: <c>dotnet run -c Release --project bench -- usage-throughput [seconds] [in-flight batches] [subscriptions] [buckets] [uniform|zipf]</c>.
/// It writes into Redis database 9 and flushes it afterwards.
/// </summary>
internal static class UsageThroughput
{
    private const int ReportsPerBatch = 250;
    private const int ReferenceOps = 2_000_000;

    public static async Task<int> RunAsync(string[] args)
    {
        int seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        int inFlight = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16;
        int subscriptions = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 20_000;
        int buckets = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : Buckets.DefaultCount;
        bool zipf = args.Length > 5 && args[5] == "zipf";
        await using ConnectionMultiplexer connection = await BenchRedis.ConnectAsync();
        IDatabase redis = connection.GetDatabase(BenchRedis.Database);
        IServer server = BenchRedis.Server(connection);
        await server.FlushDatabaseAsync(BenchRedis.Database);
        var ingestOptions = new IngestOptions { BucketCount = buckets };
        var states = new SubscriptionStateCache(redis, ingestOptions);
        var decider = new BatchDecider(states);
        var applier = new UsageApplier(redis, ingestOptions);

        var ids = new Guid[subscriptions];
        for (int i = 0; i < ids.Length; i++) ids[i] = Guid.CreateVersion7();
        // Every subscription has a limit (1 TiB, never reached) and a monthly reset, as in a real deployment:
        // the script then compares every total with its limit.
        var seeding = new List<Task>(ids.Length);
        long anchor = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (Guid id in ids)
        {
            seeding.Add(redis.HashSetAsync(RedisKeys.SubscriptionState(id, buckets),
                [new(SubscriptionState.Fields.MaxTraffic, 1L << 40), new(SubscriptionState.Fields.ResetPeriod, "P1M"), new(SubscriptionState.Fields.ResetAnchor, anchor)]));
        }
        await Task.WhenAll(seeding);
        // Zipf (s = 1) as the load tool draws them: a few heavy subscriptions appear in most batches.
        double[] cdf = new double[ids.Length];
        double sum = 0;
        for (int k = 0; k < cdf.Length; k++) cdf[k] = sum += 1.0 / (k + 1);
        for (int k = 0; k < cdf.Length; k++) cdf[k] /= sum;
        // The states are read before the window, as a steady stream of requests finds them cached.
        for (int i = 0; i < ids.Length; i += 1_000)
        {
            await states.LoadAsync(ids[i..Math.Min(i + 1_000, ids.Length)], DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), CancellationToken.None);
        }
        double cpuBefore = await BenchRedis.CpuSecondsAsync(connection);
        TimeSpan processCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        long applied = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var watch = Stopwatch.StartNew();
        var workers = new Task[inFlight];
        for (int w = 0; w < inFlight; w++)
        {
            int worker = w;
            workers[w] = Task.Run(async () =>
            {
                var random = new Random(worker);
                var node = Guid.CreateVersion7();
                using var batch = new BatchContext();
                ulong seq = 0;
                while (!stop.IsCancellationRequested)
                {
                    batch.EnsureCapacity(ReportsPerBatch);
                    batch.ReportCount = ReportsPerBatch;
                    batch.Header = new Vpn.Perf.Shared.Wire.TrafficReport.BatchHeader(1, ++seq, 0, ReportsPerBatch);
                    for (int i = 0; i < ReportsPerBatch; i++)
                    {
                        Guid sid = ids[zipf ? ZipfRank(cdf, random.NextDouble()) : random.Next(ids.Length)];
                        batch.Reports[i] = new PendingReport { SubscriptionId = sid, Delta = random.Next(1, 1 << 20), Bucket = Buckets.Of(sid, ingestOptions.BucketCount) };
                    }
                    batch.Cutoff.Clear();
                    // The limits and periods come from the seeded states, as for a request (cached after the first reads).
                    long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    await decider.DecideAsync(batch, node, now, decideScope: false, CancellationToken.None);
                    await applier.ApplyAsync(batch, node, now, CancellationToken.None);
                    Interlocked.Add(ref applied, ReportsPerBatch);
                }
            });
        }
        await Task.WhenAll(workers);
        watch.Stop();
        double ours = applied / watch.Elapsed.TotalSeconds;
        double processCpu = (Process.GetCurrentProcess().TotalProcessorTime - processCpuBefore).TotalMicroseconds / applied;
        double oursCpu = (await BenchRedis.CpuSecondsAsync(connection) - cpuBefore) * 1e6 / applied;
        await server.FlushDatabaseAsync(BenchRedis.Database);

        cpuBefore = await BenchRedis.CpuSecondsAsync(connection);
        double reference = BenchRedis.RedisBenchmark("-n", ReferenceOps.ToString(CultureInfo.InvariantCulture), "-P", "128", "-r", "20000",
            "HINCRBY", "vpnperf-bench:h", "f:__rand_int__", "1000");
        double referenceCpu = (await BenchRedis.CpuSecondsAsync(connection) - cpuBefore) * 1e6 / ReferenceOps;
        await server.FlushDatabaseAsync(BenchRedis.Database);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            | stage | figure | reference (same server, same run) | ratio |
            |---|---|---|---|
            | Redis: bucketed usage script, {ReportsPerBatch}-report batches, {inFlight} in flight, {subscriptions} subscriptions ({(zipf ? "Zipf" : "uniform")}) with limits, {buckets} buckets | {ours:N0} reports/s | redis-benchmark -P 128 HINCRBY: {reference:N0} ops/s | {ours / reference:F2} |
            | Redis CPU (INFO cpu, server's own time) | {oursCpu:F2} µs per report | {referenceCpu:F2} µs per HINCRBY | {referenceCpu / oursCpu:F2} |
            | Ingest CPU (this process: the applier, the client, the batch generator) | {processCpu:F2} µs per report | | |
            """));
        return 0;
    }

    private static int ZipfRank(double[] cdf, double u)
    {
        int k = Array.BinarySearch(cdf, u);
        return Math.Min(k >= 0 ? k : ~k, cdf.Length - 1);
    }
}
