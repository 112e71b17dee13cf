using System.Globalization;
using System.Text.RegularExpressions;
using StackExchange.Redis;
using Vpn.Perf.Load.Engine;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>What Redis alone does with pipelined counter increments: the ceiling of the Redis stage.</summary>
/// <param name="OpsPerSecond">HINCRBY/s as <c>redis-benchmark</c> reports it.</param>
/// <param name="RedisCpuMicrosPerOp">The server's CPU time (INFO cpu) over the benchmark per HINCRBY it ran (INFO commandstats).</param>
/// <param name="Ops">HINCRBY calls Redis counted over the benchmark.</param>
/// <param name="Seconds">Wall time of the benchmark, process start included.</param>
/// <param name="Command">The benchmark's command line, for the report.</param>
internal sealed record HincrbyCeilingResult(double OpsPerSecond, double RedisCpuMicrosPerOp, long Ops, double Seconds, string Command);

/// <summary>
/// Runs <c>redis-benchmark -P 128</c> with <c>HINCRBY</c> on 20 000 hashes of the run's Redis, between the reference and
/// the services, when nothing else uses it: the counter ceiling the end-to-end figure is compared with (issue 15: a
/// report is worth at least 0.8 of an increment). It runs twice and the faster run counts: a ceiling is what Redis can do,
/// and on this shared host one run cost Redis 1.2 to 2.25 µs per HINCRBY from one suite to the next (docs/perf.md,
/// 2026-12-07 11:45–13:05). Its keys are its own prefix and are deleted after each run.
/// </summary>
internal static partial class HincrbyCeiling
{
    private const string KeyPrefix = "vpnperf-load:hincrby:";
    private const int Requests = 4_000_000;
    /// <summary>How many runs the ceiling takes the faster of.</summary>
    public const int Runs = 2;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    /// <summary>Null (with the reason printed) when Redis is a cluster or <c>redis-benchmark</c> is missing: no single server to compare with.</summary>
    public static async Task<HincrbyCeilingResult?> MeasureAsync(ConnectionMultiplexer redis, ConfigurationOptions options, string outDir)
    {
        IServer[] primaries = [.. redis.GetServers().Where(static s => !s.IsReplica)];
        if (primaries.Length != 1 || primaries[0].EndPoint is not System.Net.IPEndPoint and not System.Net.DnsEndPoint)
        {
            Console.WriteLine("HINCRBY ceiling skipped: it is measured on one Redis server, this is a cluster");
            return null;
        }
        IServer server = primaries[0];
        (string host, int port) = server.EndPoint switch
        {
            System.Net.IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            System.Net.DnsEndPoint dns => (dns.Host, dns.Port),
            _ => throw new InvalidOperationException("unreachable"),
        };
        string benchmark = File.Exists("/usr/bin/redis-benchmark") ? "/usr/bin/redis-benchmark" : "redis-benchmark";
        var args = new List<string>
        {
            "-h", host, "-p", port.ToString(CultureInfo.InvariantCulture), "-c", "50", "-P", "128",
            "-n", Requests.ToString(CultureInfo.InvariantCulture), "-r", "20000", "-q", "--csv",
        };
        if (options.Password is { Length: > 0 } password)
        {
            if (options.User is { Length: > 0 } user) args.AddRange(["--user", user]);
            args.AddRange(["-a", password]);
        }
        args.AddRange(["hincrby", KeyPrefix + "__rand_int__", "up", "1"]);
        string command = "redis-benchmark " + string.Join(' ', args.Select((a, i) => i > 0 && args[i - 1] == "-a" ? "***" : a));

        HincrbyCeilingResult? fastest = null;
        for (int run = 1; run <= Runs; run++)
        {
            HincrbyCeilingResult? result = await RunAsync(redis, server, benchmark, args, command, Path.Combine(outDir, $"redis-benchmark-{run}.log"));
            if (result is null) return null;
            if (fastest is null || result.OpsPerSecond > fastest.OpsPerSecond) fastest = result;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"HINCRBY ceiling (the faster of {Runs} runs): {fastest!.OpsPerSecond:0} ops/s, Redis CPU {fastest.RedisCpuMicrosPerOp:0.000} µs per HINCRBY"));
        return fastest;
    }

    private static async Task<HincrbyCeilingResult?> RunAsync(ConnectionMultiplexer redis, IServer server, string benchmark, List<string> args, string command, string log)
    {
        // The suite's own Redis probe (INFO commandstats and cpu) read around the benchmark, as around a load window.
        Func<Task<Dictionary<string, double>>> probe = RedisProbe.For(redis);
        Dictionary<string, double> before = await probe();
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        int exit;
        try
        {
            await using ChildProcess process = ChildProcess.Start(benchmark, args, new Dictionary<string, string>(StringComparer.Ordinal), Environment.CurrentDirectory, log);
            exit = await process.WaitForExitAsync(Limit);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or TimeoutException)
        {
            Console.WriteLine($"HINCRBY ceiling skipped: {benchmark}: {ex.Message} (install redis-tools; see {log})");
            await DeleteKeysAsync(redis, server);
            return null;
        }
        double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        Dictionary<string, double> after = await probe();
        long calls = (long)(after.GetValueOrDefault("redis hincrby calls") - before.GetValueOrDefault("redis hincrby calls"));
        double cpu = after.GetValueOrDefault("redis cpu usec") - before.GetValueOrDefault("redis cpu usec");
        await DeleteKeysAsync(redis, server);
        if (exit != 0 || calls <= 0)
        {
            Console.WriteLine($"HINCRBY ceiling failed: redis-benchmark exit {exit}, {calls} HINCRBY calls (see {log})");
            return null;
        }
        // --csv -q: "test","rps",... then "HINCRBY ...","1234567.89",...; the wall-clock rate (process start included) if absent.
        Match m = RpsLine().Match(await File.ReadAllTextAsync(log));
        double rps = m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : calls / seconds;
        var result = new HincrbyCeilingResult(rps, cpu / calls, calls, seconds, command);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"HINCRBY ceiling run: {rps:0} ops/s, Redis CPU {result.RedisCpuMicrosPerOp:0.000} µs per HINCRBY ({calls} calls in {seconds:0.0} s)"));
        return result;
    }

    private static async Task DeleteKeysAsync(ConnectionMultiplexer redis, IServer server)
    {
        IDatabase db = redis.GetDatabase();
        var batch = new List<RedisKey>(1000);
        await foreach (RedisKey key in server.KeysAsync(pattern: KeyPrefix + "*", pageSize: 1000))
        {
            batch.Add(key);
            if (batch.Count < 1000) continue;
            await db.KeyDeleteAsync([.. batch]);
            batch.Clear();
        }
        if (batch.Count > 0) await db.KeyDeleteAsync([.. batch]);
    }

    [GeneratedRegex("\"HINCRBY[^\"]*\",\"([0-9.]+)\"", RegexOptions.IgnoreCase)]
    private static partial Regex RpsLine();
}
