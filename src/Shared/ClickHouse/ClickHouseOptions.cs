using System.Globalization;

namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// Where and how <see cref="ClickHouseClient"/> talks to ClickHouse's HTTP interface. Parsed from a connection
/// string <c>http://[user[:password]@]host:port/database[?timeout=30&amp;setting=value...]</c>: <c>timeout</c> is the
/// request timeout in seconds; every other query parameter is a ClickHouse setting sent with each request.
/// </summary>
public sealed record ClickHouseOptions
{
    /// <summary>The database used when a connection string names none.</summary>
    public const string DefaultDatabase = "default";

    /// <summary>Scheme, host and port of the HTTP interface; any path is ignored.</summary>
    public required Uri Endpoint { get; init; }

    public string User { get; init; } = "default";

    public string Password { get; init; } = "";

    /// <summary>Sent as the <c>database</c> parameter of every request.</summary>
    public string Database { get; init; } = DefaultDatabase;

    /// <summary>Whole request (send, server work, response body). Expiry raises <see cref="ClickHouseUnavailableException"/>.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long an idle pooled connection is kept. Must stay below the server's <c>keep_alive_timeout</c>
    /// (10 s in tests/infra and by default), or a request may go out on a socket the server is closing.
    /// </summary>
    public TimeSpan PooledConnectionIdleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>ClickHouse settings sent as query-string parameters with every request (e.g. <c>max_insert_block_size</c>).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Parses <c>http://[user[:password]@]host:port/database[?timeout=seconds&amp;setting=value]</c>.</summary>
    /// <exception cref="FormatException">The string is not of that form.</exception>
    public static ClickHouseOptions Parse(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (!Uri.TryCreate(connectionString, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new FormatException("A ClickHouse connection string has the form http://[user[:password]@]host:port/database.");

        string user = "default", password = "";
        if (uri.UserInfo.Length != 0)
        {
            int colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            user = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            password = colon < 0 ? "" : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }

        string database = Uri.UnescapeDataString(uri.AbsolutePath.Trim('/'));
        if (database.Length == 0) database = DefaultDatabase;
        if (!ClickHouseIdentifiers.IsValid(database))
            throw new FormatException($"The ClickHouse database name in the connection string must match [A-Za-z_][A-Za-z0-9_]*; got {database.Length} characters that do not.");

        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        TimeSpan timeout = TimeSpan.FromSeconds(30);
        string query = uri.Query.TrimStart('?');
        foreach (string pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            string key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            string value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            if (key == "timeout")
            {
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || seconds <= 0 || seconds > 86_400)
                    throw new FormatException("The ClickHouse connection string's timeout must be a number of seconds between 0 and 86400.");
                timeout = TimeSpan.FromSeconds(seconds);
                continue;
            }
            if (!ClickHouseIdentifiers.IsValid(key))
                throw new FormatException($"ClickHouse setting names must match [A-Za-z_][A-Za-z0-9_]*; '{Truncate(key)}' does not.");
            settings[key] = value;
        }

        return new ClickHouseOptions
        {
            Endpoint = new Uri($"{uri.Scheme}://{uri.Host}:{uri.Port.ToString(CultureInfo.InvariantCulture)}/"),
            User = user,
            Password = password,
            Database = database,
            RequestTimeout = timeout,
            Settings = settings,
        };
    }

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"{Endpoint}{Database} (user {User})";

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64];
}
