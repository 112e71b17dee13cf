using System.Diagnostics;
using System.Globalization;
using System.Net;
using StackExchange.Redis;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Benchmarks.Redis;

/// <summary>
/// The live Redis the Redis measurements run against: <c>ConnectionStrings__Redis</c> (default: the test servers'
/// port), database 9, which they flush before and after; and <c>redis-benchmark</c> on the same server as the reference.
/// </summary>
internal static class BenchRedis
{
    public const int Database = 9;

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__Redis") is { Length: > 0 } cs ? cs : "redis://127.0.0.1:56379";

    /// <summary>Connects as Ingest does (<see cref="RedisConnector"/>), with admin commands allowed for FLUSHDB.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync()
    {
        ConfigurationOptions options = RedisConnector.Parse(ConnectionString, "vpnperf-bench");
        options.AllowAdmin = true;
        ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(options);
        return connection.IsConnected
            ? connection
            : throw new InvalidOperationException($"Redis is not reachable at {ConnectionString} (ConnectionStrings__Redis).");
    }

    public static IServer Server(ConnectionMultiplexer connection) => connection.GetServer(connection.GetEndPoints()[0]);

    /// <summary>The server's CPU time so far (user + system), from <c>INFO cpu</c>.</summary>
    public static async Task<double> CpuSecondsAsync(ConnectionMultiplexer connection)
    {
        string info = await Server(connection).InfoRawAsync("cpu") ?? "";
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

    /// <summary>
    /// Runs <c>redis-benchmark -q --csv</c> with <paramref name="arguments"/> against the same server and database and
    /// returns its requests per second (of the last test it printed).
    /// </summary>
    public static double RedisBenchmark(params string[] arguments)
    {
        var psi = new ProcessStartInfo("redis-benchmark") { RedirectStandardOutput = true, RedirectStandardError = true };
        ConfigurationOptions options = RedisConnector.Parse(ConnectionString);
        (string host, int port) = options.EndPoints[0] switch
        {
            IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            DnsEndPoint dns => (dns.Host, dns.Port == 0 ? 6379 : dns.Port),
            EndPoint other => throw new InvalidOperationException($"redis-benchmark needs a host and port, not {other}."),
        };
        foreach (string a in new[] { "-h", host, "-p", port.ToString(CultureInfo.InvariantCulture), "--dbnum", Database.ToString(CultureInfo.InvariantCulture), "-q", "--csv" })
        {
            psi.ArgumentList.Add(a);
        }
        if (options.User is { } user)
        {
            psi.ArgumentList.Add("--user");
            psi.ArgumentList.Add(user);
        }
        if (options.Password is { } password)
        {
            psi.ArgumentList.Add("-a");
            psi.ArgumentList.Add(password);
        }
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        using Process p = Process.Start(psi) ?? throw new InvalidOperationException("redis-benchmark did not start (apt-get install redis-tools).");
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        // --csv prints "test","rps",...; the rps of the last test is the second field of the last line.
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] fields = lines[^1].Split(',');
        return double.Parse(fields[1].Trim('"'), CultureInfo.InvariantCulture);
    }
}
