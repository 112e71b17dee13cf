using System.Diagnostics;
using System.Globalization;
using Vpn.Perf.Ingest;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

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
    private const int Database = 9;
    private const int ReferenceOps = 2_000_000;

    public static async Task<int> RunAsync(string[] args)
    {
        int seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        int inFlight = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 16;
        int subscriptions = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 20_000;
        int buckets = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : Buckets.DefaultCount;
        bool zipf = args.Length > 5 && args[5] == "zipf";
        string cs = Environment.GetEnvironmentVariable("ConnectionStrings__Redis") ?? "redis://127.0.0.1:56379";
        RedisOptions options = RedisOptions.Parse(cs) with { Database = Database };

        await using RedisClient redis = await RedisClient.ConnectAsync(options, null, CancellationToken.None);
        await redis.ExecuteAsync("FLUSHDB", [], CancellationToken.None);
        var ingestOptions = new IngestOptions { BucketCount = buckets };
        var applier = new UsageApplier(redis, new SubscriptionStateCache(redis, ingestOptions), ingestOptions);

        var ids = new Guid[subscriptions];
        for (int i = 0; i < ids.Length; i++) ids[i] = Guid.CreateVersion7();
        // Every subscription has a limit (1 TiB, never reached) and a monthly reset, as in a real deployment:
        // the script then compares every total with its limit.
        var seeding = new List<Task<RespValue>>(ids.Length);
        string anchor = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        foreach (Guid id in ids)
        {
            if (seeding.Count == 1_000)
            {
                // The client bounds its pending commands (RedisOptions.MaxPendingCommands): seed in waves.
                await Task.WhenAll(seeding);
                seeding.Clear();
            }
            seeding.Add(redis.ExecuteAsync("HSET", [RedisKeys.SubscriptionState(id, buckets), SubscriptionState.Fields.MaxTraffic, "1099511627776",
                SubscriptionState.Fields.ResetPeriod, "P1M", SubscriptionState.Fields.ResetAnchor, anchor], CancellationToken.None).AsTask());
        }
        await Task.WhenAll(seeding);
        // Zipf (s = 1) as the load tool draws them: a few heavy subscriptions appear in most batches.
        double[] cdf = new double[ids.Length];
        double sum = 0;
        for (int k = 0; k < cdf.Length; k++) cdf[k] = sum += 1.0 / (k + 1);
        for (int k = 0; k < cdf.Length; k++) cdf[k] /= sum;
        double cpuBefore = await RedisCpuSecondsAsync(redis);
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
                var cutoff = new List<Guid>();
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
                    cutoff.Clear();
                    await applier.ApplyAsync(batch, node, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), cutoff, CancellationToken.None);
                    Interlocked.Add(ref applied, ReportsPerBatch);
                }
            });
        }
        await Task.WhenAll(workers);
        watch.Stop();
        double ours = applied / watch.Elapsed.TotalSeconds;
        double oursCpu = (await RedisCpuSecondsAsync(redis) - cpuBefore) * 1e6 / applied;
        await redis.ExecuteAsync("FLUSHDB", [], CancellationToken.None);

        cpuBefore = await RedisCpuSecondsAsync(redis);
        double reference = RedisBenchmarkHincrby(options);
        double referenceCpu = (await RedisCpuSecondsAsync(redis) - cpuBefore) * 1e6 / ReferenceOps;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            | stage | figure | reference (same server, same run) | ratio |
            |---|---|---|---|
            | Redis: bucketed usage script, {ReportsPerBatch}-report batches, {inFlight} in flight, {subscriptions} subscriptions ({(zipf ? "Zipf" : "uniform")}) with limits, {buckets} buckets | {ours:N0} reports/s | redis-benchmark -P 128 HINCRBY: {reference:N0} ops/s | {ours / reference:F2} |
            | Redis CPU (INFO cpu, server's own time) | {oursCpu:F2} µs per report | {referenceCpu:F2} µs per HINCRBY | {referenceCpu / oursCpu:F2} |
            """));
        return 0;
    }

    private static double RedisBenchmarkHincrby(RedisOptions options)
    {
        var psi = new ProcessStartInfo("redis-benchmark") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-h", options.Host, "-p", options.Port.ToString(CultureInfo.InvariantCulture), "-n", ReferenceOps.ToString(CultureInfo.InvariantCulture), "-P", "128", "-q", "--csv",
                     "-r", "20000", "--dbnum", Database.ToString(CultureInfo.InvariantCulture), "HINCRBY", "vpnperf-bench:h", "f:__rand_int__", "1000" })
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("redis-benchmark did not start (apt-get install redis-tools).");
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        // --csv prints "test","rps",...; the rps of the single custom command is the second field of the last line.
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] fields = lines[^1].Split(',');
        return double.Parse(fields[1].Trim('"'), CultureInfo.InvariantCulture);
    }

    private static int ZipfRank(double[] cdf, double u)
    {
        int k = Array.BinarySearch(cdf, u);
        return Math.Min(k >= 0 ? k : ~k, cdf.Length - 1);
    }

    /// <summary>The server's CPU time so far (user + system), from <c>INFO cpu</c>.</summary>
    private static async Task<double> RedisCpuSecondsAsync(RedisClient redis)
    {
        string info = (await redis.ExecuteAsync("INFO", ["cpu"], CancellationToken.None)).AsString() ?? "";
        double total = 0;
        foreach (string line in info.Split("\r\n"))
        {
            if (line.StartsWith("used_cpu_sys:", StringComparison.Ordinal) || line.StartsWith("used_cpu_user:", StringComparison.Ordinal))
            {
                total += double.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
            }
        }
        return total;
    }
}
