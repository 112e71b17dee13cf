using System.Net;
using StackExchange.Redis;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>
/// The real servers the test command starts, and how the Ingest tests share them.
/// <para>
/// Redis: one server or a Cluster (<c>ConnectionStrings__Redis</c>; the test command runs the suite against each, see
/// docs/ingest.md). Each test class that touches Redis owns a key prefix (<c>TestKeyPrefix.For</c>: its name and a
/// random part), which its Ingest gets as <c>Redis__KeyPrefix</c>, so a class starts on an empty keyspace of its own
/// without flushing anything, in either topology (a Cluster has only database 0). Tests inside a class run one after
/// another and use fresh random node and subscription ids, so they never read each other's counters.
/// </para>
/// <para>
/// Classes that touch Redis carry <c>[Trait(RedisTopology.Trait, RedisTopology.Any)]</c> and run against both; tests
/// that need one server (a fault proxy in front of it) carry <c>RedisTopology.SingleServer</c> and Cluster-only ones
/// <c>RedisTopology.Cluster</c> (see tests/Shared/RedisTopology.cs).
/// </para>
/// <para>ClickHouse: each class gets a database of its own (<see cref="TestClickHouse"/>), dropped when it ends; on every
/// shard when <c>ConnectionStrings__ClickHouseShards</c> lists them (the test command's shards pass, classes with
/// <c>[Trait(ClickHouseTopology.Trait, ClickHouseTopology.Any)]</c>; see tests/Shared/ClickHouseTopology.cs).</para>
/// </summary>
internal static class TestServers
{
    public const string StartCommand = "bash tests/infra/test.sh";

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

    /// <summary>The shards of the sharded pass, in order; null when the suite runs on one ClickHouse server.</summary>
    public static IReadOnlyList<ClickHouseOptions>? ClickHouseShards =>
        Environment.GetEnvironmentVariable("ConnectionStrings__ClickHouseShards") is { Length: > 0 } cs ? Shared.ClickHouse.ClickHouseShards.Parse(cs) : null;

    /// <summary>The test Redis as a StackExchange.Redis configuration string, optionally through a proxy port (one server only).</summary>
    public static string RedisFor(int? port = null)
    {
        ConfigurationOptions options = RedisConnector.Parse(RedisConnectionString);
        if (port is { } p)
        {
            RedisServer server = RedisBase;
            options.EndPoints.Clear();
            options.EndPoints.Add(server.Host, p);
        }
        return options.ToString(includePassword: true);
    }

    /// <summary>The ClickHouse connection string for <paramref name="database"/>, optionally through a proxy port.</summary>
    public static string ClickHouseFor(string database, int? port = null) => ClickHouseFor(ClickHouseBase, database, port);

    /// <summary>The connection string for <paramref name="database"/> on the server of <paramref name="o"/>, optionally through a proxy port.</summary>
    public static string ClickHouseFor(ClickHouseOptions o, string database, int? port = null)
    {
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
