using System.Net;
using System.Runtime.CompilerServices;
using StackExchange.Redis;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Shared.Tests.Redis;

/// <summary>
/// The real Redis the test command starts, reached through <see cref="RedisConnector"/> as the services reach it. Each
/// test gets a key prefix derived from its own name plus a per-process nonce (so a rerun never sees keys a crashed run
/// left behind) and deletes its keys when it ends; nothing here flushes the shared server.
/// </summary>
internal sealed class RedisTestServer : IAsyncDisposable
{
    public const string StartCommand = "bash tests/infra/test.sh";

    private static readonly string RunNonce = Guid.NewGuid().ToString("N")[..8];

    private readonly List<RedisKey> _keys = [];

    private RedisTestServer(ConnectionMultiplexer connection, string prefix)
    {
        Connection = connection;
        Prefix = prefix;
    }

    /// <summary><c>ConnectionStrings__Redis</c>, as the test command exports it.</summary>
    public static string ConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__Redis") ?? "redis://127.0.0.1:56379";

    public ConnectionMultiplexer Connection { get; }

    public IDatabase Database => Connection.GetDatabase();

    /// <summary>"vpnperf-test:{Class.Method:nonce}:"; wrapped in {} so a script's keys share one cluster slot.</summary>
    public string Prefix { get; }

    /// <summary>The shared server's address, for a <c>TcpFaultProxy</c> to forward to.</summary>
    public static (string Host, int Port) EndPoint()
    {
        EndPoint endPoint = RedisConnector.Parse(ConnectionString).EndPoints[0];
        return endPoint switch
        {
            IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            DnsEndPoint dns => (Dns.GetHostAddresses(dns.Host)[0].ToString(), dns.Port),
            _ => throw new InvalidOperationException($"Unexpected Redis endpoint {endPoint}."),
        };
    }

    /// <summary>
    /// A configuration string for the shared server with <paramref name="settings"/> appended (e.g.
    /// <c>defaultDatabase=1</c>), which win over what comes before them.
    /// </summary>
    public static string ConnectionStringWith(string settings) => ConfigurationString(port: null, settings);

    /// <summary>
    /// A configuration string with the shared server's credentials and database but <paramref name="port"/> on
    /// loopback as its one endpoint (a proxy in front of it), plus <paramref name="settings"/> (e.g.
    /// <c>asyncTimeout=300</c>), which win over what comes before them.
    /// </summary>
    public static string ConnectionStringTo(int port, string? settings = null) => ConfigurationString(port, settings);

    private static string ConfigurationString(int? port, string? settings)
    {
        ConfigurationOptions options = RedisConnector.Parse(ConnectionString);
        if (port is { } p)
        {
            options.EndPoints.Clear();
            options.EndPoints.Add(IPAddress.Loopback, p);
        }
        string text = options.ToString(includePassword: true);
        return settings is null ? text : text + "," + settings;
    }

    public static async Task<RedisTestServer> StartAsync(
        string? connectionString = null,
        [CallerFilePath] string file = "",
        [CallerMemberName] string test = "")
    {
        connectionString ??= ConnectionString;
        ConnectionMultiplexer connection = await RedisConnector.ConnectAsync(connectionString);
        if (!connection.IsConnected)
        {
            // The connector never aborts (a service must start while Redis is down), so "unreachable" is this check.
            string endPoints = string.Join(", ", connection.GetEndPoints().Select(static e => e.ToString()));
            await connection.DisposeAsync();
            throw new InvalidOperationException(
                $"Redis is not reachable at {endPoints} (ConnectionStrings__Redis). Start the test servers with `{StartCommand}`.");
        }
        string type = Path.GetFileNameWithoutExtension(file);
        return new RedisTestServer(connection, $"vpnperf-test:{{{type}.{test}:{RunNonce}}}:");
    }

    /// <summary>A key owned by this test; deleted at dispose.</summary>
    public string Key(string name)
    {
        string key = Prefix + name;
        lock (_keys)
            _keys.Add(key);
        return key;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_keys.Count > 0 && Connection.IsConnected)
                await Database.KeyDeleteAsync([.. _keys]);
        }
        finally
        {
            await Connection.DisposeAsync();
        }
    }
}
