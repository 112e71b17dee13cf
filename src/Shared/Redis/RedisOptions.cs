using System.Globalization;

namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// Settings of a <see cref="RedisClient"/>. Build with an initializer, or <see cref="Parse"/> a connection string and
/// adjust with <c>with { ... }</c>.
/// </summary>
public sealed record RedisOptions
{
    public const int DefaultPort = 6379;

    /// <summary>Host name or IP address.</summary>
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = DefaultPort;

    /// <summary>ACL user for <c>AUTH user password</c>; null sends <c>AUTH password</c> (the default user).</summary>
    public string? User { get; init; }

    /// <summary>Password sent with AUTH after connecting; null sends no AUTH.</summary>
    public string? Password { get; init; }

    /// <summary>Database selected with SELECT after connecting (0 sends nothing).</summary>
    public int Database { get; init; }

    /// <summary>Bound on TCP connect plus the AUTH/SELECT/PING handshake.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the oldest command on a connection may wait for its reply. Replies arrive in order, so when the oldest
    /// is late the connection is stuck: it is dropped, every command on it fails with
    /// <see cref="RedisConnectionException"/>, and it reconnects. Keep it above the slowest script (Redis's own
    /// <c>busy-reply-threshold</c> is 5 s).
    /// </summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Commands queued or awaiting replies across all connections. One more fails at once with
    /// <see cref="RedisBusyException"/> instead of queueing without bound.
    /// </summary>
    public int MaxPendingCommands { get; init; } = 16_384;

    /// <summary>
    /// Connections to multiplex over; each command goes to the connected one with the fewest pending commands.
    /// Redis runs commands on one thread, so more connections mostly spread our own parse/write work over cores.
    /// </summary>
    public int ConnectionCount { get; init; } = 1;

    /// <summary>First reconnect delay; it doubles per failed attempt up to <see cref="ReconnectMaxDelay"/>, with jitter.</summary>
    public TimeSpan ReconnectBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>"host:port" for messages and logs.</summary>
    public string EndPointText => Host.Contains(':', StringComparison.Ordinal)
        ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}"
        : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Parses <c>redis://[[user]:password@]host[:port][/db]</c>, the form of <c>ConnectionStrings__Redis</c>.
    /// The password is percent-decoded. The other settings keep their defaults.
    /// </summary>
    public static RedisOptions Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        if (!Uri.TryCreate(connectionString, UriKind.Absolute, out Uri? uri)
            || !string.Equals(uri.Scheme, "redis", StringComparison.OrdinalIgnoreCase)
            || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException(
                "Redis connection string must look like redis://[:password@]host:port[/db], e.g. redis://127.0.0.1:6379/0.");
        }
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            string rawUser = colon < 0 ? uri.UserInfo : uri.UserInfo[..colon];
            user = rawUser.Length == 0 ? null : Uri.UnescapeDataString(rawUser);
            password = colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            if (password is null)
            {
                // "redis://secret@host" : a lone userinfo is the password, as redis-cli -u reads it.
                password = user;
                user = null;
            }
        }
        int database = 0;
        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0
            && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 15_999))
        {
            throw new FormatException($"Redis connection string database must be a number, got '{Cap(path)}'.");
        }
        return new RedisOptions
        {
            Host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host.Trim('[', ']') : uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port,
            User = user,
            Password = password,
            Database = database,
        };
    }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Host);
        ArgumentOutOfRangeException.ThrowIfLessThan(Port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfNegative(Database);
        ArgumentOutOfRangeException.ThrowIfLessThan(ConnectionCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ConnectionCount, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingCommands, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CommandTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReconnectBaseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectMaxDelay, ReconnectBaseDelay);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }

    /// <summary>The endpoint and database, never the password (options end up in logs).</summary>
    public override string ToString() =>
        $"redis://{EndPointText}/{Database.ToString(CultureInfo.InvariantCulture)}";

    private static string Cap(string text) => text.Length <= 32 ? text : text[..32] + "...";
}
