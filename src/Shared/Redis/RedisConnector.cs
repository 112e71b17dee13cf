using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// Turns <c>ConnectionStrings__Redis</c> into a StackExchange.Redis connection with the behaviour both services rely on.
/// Two forms are accepted:
/// <list type="bullet">
/// <item><c>redis://[[user]:password@]host[:port][/db]</c> (or <c>rediss://</c> for TLS), the README's form;</item>
/// <item>a StackExchange.Redis configuration string, for everything the URL cannot say: several endpoints (a Cluster's
/// seeds), <c>password=</c>, <c>user=</c>, <c>ssl=true</c>, <c>serviceName=</c> (Sentinel), <c>asyncTimeout=</c>, ...;
/// for example <c>10.0.0.1:7000,10.0.0.2:7000,password=secret,ssl=true</c>.</item>
/// </list>
/// </summary>
/// <remarks>
/// What is fixed whatever the string says, and why:
/// <list type="bullet">
/// <item>The backlog policy is fail-fast: with no connection to the server a command fails at once instead of
/// waiting in the library's backlog. A Redis outage must give Ingest's nodes a prompt 503 and Retry-After (they hold
/// the batch and retry), not requests that pile up unbounded while Redis is away.</item>
/// <item>Connecting never aborts: the multiplexer is created even while Redis is down and keeps reconnecting in the
/// background, so a service starts, answers 503 and recovers by itself.</item>
/// </list>
/// Defaults a configuration string may override: connect and command (<c>asyncTimeout</c>) timeouts of 5 s, above
/// the slowest script (Redis's own <c>busy-reply-threshold</c> is 5 s).
/// </remarks>
public static class RedisConnector
{
    private const string Defaults = "connectTimeout=5000,syncTimeout=5000,asyncTimeout=5000";

    /// <summary>Parses either form into options, with the fixed behaviour applied.</summary>
    public static ConfigurationOptions Parse(string connectionString, string? clientName = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ConfigurationOptions options = connectionString.Contains("://", StringComparison.Ordinal)
            ? FromUrl(connectionString)
            : ConfigurationOptions.Parse(Defaults + "," + connectionString);
        if (options.EndPoints.Count == 0)
        {
            throw new FormatException("The Redis connection string names no server; use redis://host:port[/db] or a StackExchange.Redis configuration string such as host:port,password=...");
        }
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        if (clientName is not null) options.ClientName = clientName;
        return options;
    }

    /// <summary>Connects (or starts connecting, when Redis is down) and logs each connection loss and restore.</summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string connectionString, ILogger? logger = null, string? clientName = null)
    {
        ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(Parse(connectionString, clientName)).ConfigureAwait(false);
        if (logger is not null)
        {
            connection.ConnectionFailed += (_, e) => RedisConnectorLog.ConnectionFailed(logger, e.EndPoint, e.ConnectionType, e.FailureType);
            connection.ConnectionRestored += (_, e) => RedisConnectorLog.ConnectionRestored(logger, e.EndPoint, e.ConnectionType);
        }
        return connection;
    }

    /// <summary>
    /// The database both services use: the connection's default one, or, when <paramref name="keyPrefix"/>
    /// (<c>Redis:KeyPrefix</c>) is set, a view of it that puts the prefix before every key, so that several deployments
    /// (or test classes) share one Redis or Cluster without meeting. Without a prefix this is the multiplexer's own
    /// database and costs nothing; with one, the library copies each command's keys (never a script's arguments,
    /// which is why no script builds a key name itself).
    /// </summary>
    /// <exception cref="FormatException">The prefix holds <c>{</c> or <c>}</c>: Redis Cluster would take the prefix's
    /// braces for the hash tag, and a bucket's keys (<c>{bN}:...</c>) would no longer share a slot.</exception>
    public static IDatabase Database(IConnectionMultiplexer connection, string? keyPrefix)
    {
        IDatabase database = connection.GetDatabase();
        if (string.IsNullOrEmpty(keyPrefix)) return database;
        if (keyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new FormatException($"Redis:KeyPrefix must not contain '{{' or '}}' (got {keyPrefix.Length} characters): a Cluster hashes the first {{...}} of a key, and each bucket's keys must share theirs ({{bN}}).");
        }
        return database.WithKeyPrefix(keyPrefix);
    }

    /// <summary>
    /// <c>redis://[[user]:password@]host[:port][/db]</c>; the user and password are percent-decoded and a lone
    /// userinfo is the password, as <c>redis-cli -u</c> reads it. <c>rediss://</c> turns TLS on.
    /// </summary>
    private static ConfigurationOptions FromUrl(string connectionString)
    {
        if (!Uri.TryCreate(connectionString, UriKind.Absolute, out Uri? uri)
            || !(uri.Scheme is "redis" or "rediss")
            || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("A Redis URL must look like redis://[:password@]host:port[/db], e.g. redis://127.0.0.1:6379/0.");
        }
        ConfigurationOptions options = ConfigurationOptions.Parse(Defaults);
        options.EndPoints.Add(uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        options.Ssl = uri.Scheme == "rediss";
        if (uri.UserInfo.Length > 0)
        {
            int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            string user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon < 0)
            {
                options.Password = user;
            }
            else
            {
                options.User = user.Length == 0 ? null : user;
                options.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }
        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out int database) || database > 15_999)
            {
                throw new FormatException($"A Redis URL's database must be a number, got '{(path.Length <= 32 ? path : path[..32] + "...")}'.");
            }
            options.DefaultDatabase = database;
        }
        return options;
    }
}

internal static partial class RedisConnectorLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis connection to {EndPoint} ({Kind}) lost: {Failure}; reconnecting in the background")]
    public static partial void ConnectionFailed(ILogger logger, System.Net.EndPoint? endPoint, ConnectionType kind, ConnectionFailureType failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis connection to {EndPoint} ({Kind}) restored")]
    public static partial void ConnectionRestored(ILogger logger, System.Net.EndPoint? endPoint, ConnectionType kind);
}
