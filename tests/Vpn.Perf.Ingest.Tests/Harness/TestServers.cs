using System.Net;
using StackExchange.Redis;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>
/// The real servers the test command starts, and how the Ingest tests share them.
/// <para>
/// Redis: Ingest's keys have fixed names (<c>{bN}:u:...</c>, <c>state:changes</c>, ...), so a key prefix cannot isolate
/// a test. Each test class that touches Redis owns one database number instead, listed below and nowhere else; its
/// fixture runs FLUSHDB on it first. Tests inside a class run one after another and use fresh random node and
/// subscription ids, so they never read each other's counters. Database 0 belongs to the other suites (they use key
/// prefixes there and never flush); numbers not listed are free.
/// </para>
/// <para>ClickHouse: each class gets a database of its own (<see cref="TestClickHouse"/>), dropped when it ends.</para>
/// </summary>
internal static class TestServers
{
    public const string StartCommand = "bash tests/infra/test.sh";

    /// <summary>Redis database numbers, one per test class (1..15).</summary>
    public static class RedisDb
    {
        public const int Malformed = 1;       // Http/ReportEndpointMalformedTests
        public const int Auth = 2;            // Http/ReportEndpointAuthTests
        public const int Body = 3;            // Http/ReportEndpointBodyTests (content type, size, gzip, /metrics, /healthz)
        public const int Usage = 4;           // Http/ReportEndpointUsageTests (retries, cutoff, reset periods)
        public const int UsageApplier = 5;    // Usage/UsageApplierTests
        public const int Crash = 6;           // Faults/IngestCrashTests
        public const int ClickHouseOutage = 7; // Faults/ClickHouseOutageTests
        public const int RedisOutage = 8;     // Faults/RedisOutageTests
        public const int Scope = 9;           // Http/ReportEndpointScopeTests (scope, bounds, verdicts across a crash)
        public const int RejectionNotices = 10; // Pipeline/RejectionNoticesTests
        public const int MultiInstance = 11;  // Faults/MultiInstanceTests (issue 11: two Ingest processes, one Redis and ClickHouse)
        public const int SpoolDrain = 12;     // Faults/SpoolDrainTests (issue 11: drain-spool of an instance that never came back)
        public const int BatchClaims = 14;    // ClickHouse/BatchClaimsTests (issue 11: the claims several instances take before inserting)
        public const int Hardening = 13;      // Http/HardeningTests (issue 10: /metrics token, headers, header timeout)
    }

    public static string RedisConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__Redis") is { Length: > 0 } cs ? cs : "redis://127.0.0.1:56379";

    public static string ClickHouseConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__ClickHouse") is { Length: > 0 } cs ? cs : "http://default@127.0.0.1:58123/vpnperf";

    /// <summary>The test Redis: the first server <see cref="RedisConnectionString"/> names, with its credentials.</summary>
    public static RedisServer RedisBase
    {
        get
        {
            ConfigurationOptions o = RedisConnector.Parse(RedisConnectionString);
            (string host, int port) = o.EndPoints[0] switch
            {
                IPEndPoint ip => (ip.Address.ToString(), ip.Port),
                DnsEndPoint dns => (dns.Host, dns.Port),
                EndPoint other => throw new InvalidOperationException($"The test Redis must be a host and port, not {other}."),
            };
            return new RedisServer(host, port == 0 ? 6379 : port, o.User, o.Password);
        }
    }

    public static ClickHouseOptions ClickHouseBase => ClickHouseOptions.Parse(ClickHouseConnectionString);

    /// <summary>The Redis connection string for <paramref name="db"/>, optionally through a proxy port.</summary>
    public static string RedisFor(int db, int? port = null)
    {
        RedisServer o = RedisBase;
        string auth = o.Password is null ? "" : $"{Uri.EscapeDataString(o.User ?? "")}:{Uri.EscapeDataString(o.Password)}@";
        return $"redis://{auth}{o.Host}:{port ?? o.Port}/{db}";
    }

    /// <summary>The ClickHouse connection string for <paramref name="database"/>, optionally through a proxy port.</summary>
    public static string ClickHouseFor(string database, int? port = null)
    {
        ClickHouseOptions o = ClickHouseBase;
        string auth = Uri.EscapeDataString(o.User) + (o.Password.Length > 0 ? ":" + Uri.EscapeDataString(o.Password) : "");
        return $"{o.Endpoint.Scheme}://{auth}@{o.Endpoint.Host}:{port ?? o.Endpoint.Port}/{database}";
    }

    /// <summary>Where the test Redis listens and how to log in (User null: the default user).</summary>
    public sealed record RedisServer(string Host, int Port, string? User, string? Password);

    public static string RepoRoot
    {
        get
        {
            for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
            {
                if (File.Exists(Path.Combine(dir, "Vpn.Perf.sln"))) return dir;
            }
            throw new InvalidOperationException("Vpn.Perf.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
