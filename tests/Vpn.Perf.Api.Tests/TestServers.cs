using System.Net;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Api.Tests;

/// <summary>Connection settings of the real servers the README's test command starts (localhost defaults).</summary>
internal static class TestServers
{
    public const string StartCommand = "bash tests/infra/test.sh";

    public static string Postgres =>
        Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=vpnperf";

    public static string Redis => Environment.GetEnvironmentVariable("ConnectionStrings__Redis") ?? "redis://127.0.0.1:56379";

    /// <summary>Where the test Redis listens, for a fault proxy in front of it.</summary>
    public static (string Host, int Port) RedisEndPoint => RedisConnector.Parse(Redis).EndPoints[0] switch
    {
        IPEndPoint ip => (ip.Address.ToString(), ip.Port),
        DnsEndPoint dns => (dns.Host, dns.Port),
        EndPoint other => throw new InvalidOperationException($"Unexpected Redis endpoint {other}."),
    };

    /// <summary>
    /// The test Redis (one server or a Cluster) as a StackExchange.Redis configuration string: optionally another port (a
    /// proxy's, on the same host; one server only) or another command timeout.
    /// </summary>
    public static string RedisFor(int? port = null, TimeSpan? asyncTimeout = null)
    {
        ConfigurationOptions options = RedisConnector.Parse(Redis);
        if (port is { } p)
        {
            options.EndPoints.Clear();
            options.EndPoints.Add(RedisEndPoint.Host, p);
        }
        if (asyncTimeout is { } timeout) options.AsyncTimeout = (int)timeout.TotalMilliseconds;
        return options.ToString(includePassword: true);
    }

    /// <summary>
    /// A connection of the test's own to the test Redis that may also run admin commands; fails when Redis is not
    /// reachable.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectRedisAsync()
    {
        ConnectionMultiplexer connection = await RedisConnector.ConnectAsync(RedisFor() + ",allowAdmin=true");
        if (!connection.IsConnected)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException($"Redis is not reachable ({RedisEndPoint.Host}:{RedisEndPoint.Port}); start the test servers with `{StartCommand}`.");
        }
        return connection;
    }

    /// <summary>The ClickHouse HTTP interface; tests create a database of their own on it (see Features/Usage).</summary>
    public static string ClickHouse =>
        Environment.GetEnvironmentVariable("ConnectionStrings__ClickHouse") is { Length: > 0 } cs ? cs : "http://default@127.0.0.1:58123/vpnperf";

    /// <summary>Creates a database of its own for one test (name derived from it) and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string testName)
    {
        string name = "t_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(testName)))[..16];
        try
        {
            // CREATE DATABASE copies a template and waits for a checkpoint: on a loaded machine with fsync on it once took
            // longer than Npgsql's default 30 s command timeout, failing a test that had not started yet.
            await using var admin = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(Postgres) { CommandTimeout = 300 }.ConnectionString);
            await using (var drop = admin.CreateCommand($"drop database if exists {name} with (force)"))
            {
                await drop.ExecuteNonQueryAsync();
            }
            await using (var create = admin.CreateCommand($"create database {name}"))
            {
                await create.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException ex) when (ex.InnerException is System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException($"Postgres is not reachable ({Postgres}); start the test servers with `{StartCommand}`.", ex);
        }
        return new NpgsqlConnectionStringBuilder(Postgres) { Database = name }.ConnectionString;
    }

    public static string SchemaDirectory
    {
        get
        {
            string? dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "Vpn.Perf.sln"))) dir = Path.GetDirectoryName(dir);
            return Path.Combine(dir ?? throw new InvalidOperationException("Repository root not found above the test binaries."), "schema", "postgres");
        }
    }
}
