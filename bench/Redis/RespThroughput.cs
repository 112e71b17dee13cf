using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Vpn.Perf.Benchmarks.Redis;

/// <summary>
/// Pipelined SET throughput of the Redis client (StackExchange.Redis, connected as Ingest connects) against a live
/// server, next to <c>redis-benchmark -P 128 -t set</c> on the same server in the same run (3-byte values, one key).
/// Run: <c>dotnet run -c Release --project bench -- redis-throughput [connections] [commands] [in-flight]</c>, where
/// connections is the number of multiplexers (each one socket; Ingest has one); it reads <c>ConnectionStrings__Redis</c>
/// (default redis://127.0.0.1:56379), writes into database 9 and flushes it afterwards.
/// </summary>
internal static class RespThroughput
{
    public static async Task RunAsync(string[] args)
    {
        int connections = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1;
        int total = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        int window = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4096;
        var clients = new ConnectionMultiplexer[connections];
        for (int c = 0; c < connections; c++) clients[c] = await BenchRedis.ConnectAsync();
        try
        {
            IDatabase[] databases = Array.ConvertAll(clients, c => c.GetDatabase(BenchRedis.Database));
            const string Key = "vpnperf-bench:throughput";
            await RunOnceAsync(databases, Key, 50_000, window); // warm up
            var watch = Stopwatch.StartNew();
            await RunOnceAsync(databases, Key, total, window);
            watch.Stop();
            double ours = total / watch.Elapsed.TotalSeconds;
            double reference = BenchRedis.RedisBenchmark("-P", "128", "-t", "set", "-n", total.ToString(CultureInfo.InvariantCulture));
            await BenchRedis.Server(clients[0]).FlushDatabaseAsync(BenchRedis.Database);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"SET x {total} over {connections} connection(s), {window} in flight: {ours:N0} requests per second ({watch.Elapsed.TotalMilliseconds:N0} ms); redis-benchmark -P 128 -t set: {reference:N0} ({ours / reference:F2})"));
        }
        finally
        {
            foreach (ConnectionMultiplexer client in clients) await client.DisposeAsync();
        }
    }

    /// <summary>Keeps <paramref name="window"/> commands in flight from several submitters, like redis-benchmark's clients.</summary>
    private static async Task RunOnceAsync(IDatabase[] databases, RedisKey key, int total, int window)
    {
        const int Submitters = 8;
        int batch = Math.Max(1, window / Submitters);
        int remaining = total;
        var workers = new Task[Submitters];
        for (int w = 0; w < Submitters; w++)
        {
            IDatabase db = databases[w % databases.Length];
            workers[w] = Task.Run(async () =>
            {
                RedisValue value = "xxx"u8.ToArray();
                var replies = new Task<bool>[batch];
                while (true)
                {
                    int take = Math.Min(batch, Interlocked.Add(ref remaining, -batch) + batch);
                    if (take <= 0)
                        break;
                    // Issued without awaiting each: the library writes them back to back on the socket (pipelining).
                    for (int i = 0; i < take; i++)
                        replies[i] = db.StringSetAsync(key, value);
                    for (int i = 0; i < take; i++)
                        await replies[i];
                }
            });
        }
        await Task.WhenAll(workers);
    }
}
