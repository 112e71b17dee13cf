using System.Runtime.CompilerServices;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Shared.Tests.Redis;

/// <summary>
/// The real Redis the test command starts. Each test gets a key prefix derived from its own name plus a per-process
/// nonce (so a rerun never sees keys a crashed run left behind) and deletes its keys when it ends; nothing here
/// flushes the shared server.
/// </summary>
internal sealed class RedisTestServer : IAsyncDisposable
{
    public const string StartCommand = "bash tests/infra/test.sh";

    private static readonly string RunNonce = Guid.NewGuid().ToString("N")[..8];

    private readonly List<string> _keys = [];

    private RedisTestServer(RedisClient client, string prefix)
    {
        Client = client;
        Prefix = prefix;
    }

    public RedisClient Client { get; }

    /// <summary>"vpnperf-test:{Class.Method}:{nonce}:"; wrapped in {} so a script's keys share one cluster slot.</summary>
    public string Prefix { get; }

    public static RedisOptions Options()
    {
        string connectionString = Environment.GetEnvironmentVariable("ConnectionStrings__Redis") ?? "redis://127.0.0.1:56379";
        return RedisOptions.Parse(connectionString);
    }

    public static async Task<RedisTestServer> StartAsync(
        Func<RedisOptions, RedisOptions>? configure = null,
        [CallerFilePath] string file = "",
        [CallerMemberName] string test = "")
    {
        RedisOptions options = Options() with { ConnectTimeout = TimeSpan.FromSeconds(3) };
        options = configure?.Invoke(options) ?? options;
        RedisClient client;
        try
        {
            client = await RedisClient.ConnectAsync(options, null, CancellationToken.None);
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException(
                $"Redis is not reachable at {options.EndPointText} (ConnectionStrings__Redis): {ex.Message}. " +
                $"Start the test servers with `{StartCommand}`.", ex);
        }
        string type = Path.GetFileNameWithoutExtension(file);
        return new RedisTestServer(client, $"vpnperf-test:{{{type}.{test}:{RunNonce}}}:");
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
            if (_keys.Count > 0 && Client.IsConnected)
                await Client.DelAsync(_keys.ToArray(), CancellationToken.None);
        }
        finally
        {
            await Client.DisposeAsync();
        }
    }
}
