using System.Diagnostics;
using System.Globalization;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Benchmarks.Redis;

/// <summary>
/// Pipelined SET throughput of our client against a live server, comparable with
/// <c>redis-benchmark -p 56379 -P 128 -t set -n 1000000 -q</c> (3-byte values, one key).
/// Run: <c>dotnet run -c Release --project bench -- redis-throughput [connections] [commands] [in-flight]</c>;
/// it reads <c>ConnectionStrings__Redis</c> (default redis://127.0.0.1:56379) and deletes its key afterwards.
/// </summary>
internal static class RespThroughput
{
    public static async Task RunAsync(string[] args)
    {
        int connections = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1;
        int total = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000_000;
        int window = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4096;
        string cs = Environment.GetEnvironmentVariable("ConnectionStrings__Redis") ?? "redis://127.0.0.1:56379";
        RedisOptions options = RedisOptions.Parse(cs) with { ConnectionCount = connections, MaxPendingCommands = window * 2 };
        await using RedisClient client = await RedisClient.ConnectAsync(options, null, CancellationToken.None);

        const string Key = "vpnperf-bench:throughput";
        await RunOnceAsync(client, Key, 50_000, window); // warm up
        var watch = Stopwatch.StartNew();
        await RunOnceAsync(client, Key, total, window);
        watch.Stop();
        await client.DelAsync([Key], CancellationToken.None);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"SET x {total} over {connections} connection(s), {window} in flight: {total / watch.Elapsed.TotalSeconds:N0} requests per second ({watch.Elapsed.TotalMilliseconds:N0} ms)"));
    }

    /// <summary>Keeps <paramref name="window"/> commands in flight from several submitters, like redis-benchmark's clients.</summary>
    private static async Task RunOnceAsync(RedisClient client, string key, int total, int window)
    {
        const int Submitters = 8;
        int batch = Math.Max(1, window / Submitters);
        int remaining = total;
        var workers = new Task[Submitters];
        for (int w = 0; w < Submitters; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                var command = new RespCommand(RespCommands.Set);
                var replies = new Task<RespValue>[batch];
                while (true)
                {
                    int take = Math.Min(batch, Interlocked.Add(ref remaining, -batch) + batch);
                    if (take <= 0)
                        break;
                    for (int i = 0; i < take; i++)
                    {
                        command.Reset(RespCommands.Set).Arg(key).Arg("xxx"u8);
                        replies[i] = client.ExecuteAsync(command, CancellationToken.None).AsTask(); // task-backed: AsTask allocates nothing
                    }
                    for (int i = 0; i < take; i++)
                        await replies[i];
                }
            });
        }
        await Task.WhenAll(workers);
    }
}
