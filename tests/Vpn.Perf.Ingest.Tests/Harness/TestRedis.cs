using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>
/// A connection to the test Redis (one server or a Cluster) seen through one test class's own key prefix (see
/// <see cref="TestKeyPrefix.For"/>), with helpers that publish what the Api would publish (node tokens, subscription
/// state, change notices) and read usage. Its keys are deleted when it is disposed.
/// </summary>
internal sealed class TestRedis : IAsyncDisposable
{
    private TestRedis(ConnectionMultiplexer connection, string keyPrefix, int bucketCount)
    {
        Connection = connection;
        KeyPrefix = keyPrefix;
        Db = RedisConnector.Database(connection, keyPrefix);
        BucketCount = bucketCount;
    }

    public ConnectionMultiplexer Connection { get; }

    /// <summary>What every key of this class starts with; Ingest gets it as <c>Redis__KeyPrefix</c>.</summary>
    public string KeyPrefix { get; }

    /// <summary>Commands on this class's keys (the prefix is added to each).</summary>
    public IDatabase Db { get; }

    public int BucketCount { get; }

    /// <summary>Every primary: one for a single server, each master of a Cluster.</summary>
    public IServer[] Primaries => [.. Connection.GetServers().Where(s => !s.IsReplica)];

    /// <summary>The server that holds <paramref name="key"/> of this class (the prefix is added here).</summary>
    public IServer ServerOf(RedisKey key) => Connection.GetServer(key.Prepend(KeyPrefix));

    /// <summary>The Ingest settings that point it at this class's keys (Redis connection and key prefix).</summary>
    public IEnumerable<KeyValuePair<string, string>> IngestSettings(int? proxyPort = null) =>
    [
        new("ConnectionStrings__Redis", TestServers.RedisFor(proxyPort)),
        new("Redis__KeyPrefix", KeyPrefix),
    ];

    public static async Task<TestRedis> OpenAsync(string owner, int bucketCount)
    {
        ConnectionMultiplexer connection = await ConnectAsync(TestServers.RedisConnectionString);
        return new TestRedis(connection, TestKeyPrefix.For(owner), bucketCount);
    }

    /// <summary>
    /// Connects as Ingest does (<see cref="RedisConnector"/>), with admin commands allowed; a server that does not answer
    /// within the connect timeout fails the test with the command that starts it.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string connectionString)
    {
        ConfigurationOptions options = RedisConnector.Parse(connectionString, "vpnperf-ingest-tests");
        options.AllowAdmin = true;
        ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(options);
        if (!connection.IsConnected)
        {
            await connection.DisposeAsync();
            TestServers.RedisServer server = TestServers.RedisBase;
            throw new InvalidOperationException(
                $"Redis is not reachable at {server.Host}:{server.Port} (ConnectionStrings__Redis). Start the test servers with `{TestServers.StartCommand}`.");
        }
        return connection;
    }

    /// <summary>Deletes every key of this class, on every primary (as a Redis restart without persistence would lose them).</summary>
    public Task FlushAsync() => TestKeyPrefix.DeleteKeysAsync(Connection, KeyPrefix);

    /// <summary>This prefix's keys that match <paramref name="pattern"/> (a SCAN pattern after the prefix), on every primary, as <see cref="Db"/> names them (without the prefix).</summary>
    public async Task<List<RedisKey>> KeysAsync(string pattern)
    {
        var keys = new List<RedisKey>();
        foreach (IServer server in Primaries)
        {
            await foreach (RedisKey key in server.KeysAsync(pattern: KeyPrefix + pattern, pageSize: 1000)) keys.Add(((string)key!)[KeyPrefix.Length..]);
        }
        return keys;
    }

    /// <summary>SCRIPT FLUSH on every primary (as a restart or a failover to a replica that never ran a script).</summary>
    public async Task ScriptFlushAsync()
    {
        foreach (IServer server in Primaries) await server.ScriptFlushAsync();
    }

    /// <summary>Whether some primary has <paramref name="script"/> cached (in a Cluster, the node of the slot a call went to).</summary>
    public async Task<bool> ScriptLoadedAnywhereAsync(string script)
    {
        foreach (IServer server in Primaries)
        {
            if (await server.ScriptExistsAsync(script)) return true;
        }
        return false;
    }

    /// <summary>Publishes a node token as the Api does and returns its key (what the node sends as Bearer).</summary>
    public async Task<string> SeedNodeTokenAsync(Guid nodeId)
    {
        string key = Guid.NewGuid().ToString("N"); // 32 characters, like a real token key
        await Db.HashSetAsync(TokenKey(key), [new("node_id", nodeId.ToString("N")), new("token_id", Guid.NewGuid().ToString("N"))]);
        return key;
    }

    public static string TokenKey(string key) => RedisKeys.NodeToken(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Revokes as the Api does: delete the hash, then tell Ingest's caches.</summary>
    public async Task RevokeNodeTokenAsync(string key)
    {
        await Db.KeyDeleteAsync(TokenKey(key));
        await Db.StreamAddAsync(RedisKeys.StateChanges, new StateChange(StateChangeKind.Token, Guid.NewGuid()).ToEntry());
    }

    /// <summary>Writes a subscription's state hash; null fields are left out (no restriction).</summary>
    public async Task SeedSubscriptionAsync(Guid sid, long? maxTraffic = null, long? expiresAtMs = null, bool suspended = false,
        string? resetPeriod = null, long? resetAnchorMs = null)
    {
        var fields = new List<HashEntry>();
        if (maxTraffic is { } m) fields.Add(new(SubscriptionState.Fields.MaxTraffic, m));
        if (expiresAtMs is { } e) fields.Add(new(SubscriptionState.Fields.ExpiresAt, e));
        fields.Add(new(SubscriptionState.Fields.Suspended, suspended ? "1" : "0"));
        if (resetPeriod is not null) fields.Add(new(SubscriptionState.Fields.ResetPeriod, resetPeriod));
        if (resetAnchorMs is { } a) fields.Add(new(SubscriptionState.Fields.ResetAnchor, a));
        await Db.HashSetAsync(RedisKeys.SubscriptionState(sid, BucketCount), fields.ToArray());
    }

    /// <summary>
    /// Links each subscription to <paramref name="inbound"/> of <paramref name="node"/> as the Api publishes links (the scope key
    /// and the state hash's <c>scope</c> field), keeping the links it already has. The default inbound is the one
    /// <see cref="TestBatch.Report"/> uses. No change notice: seed before Ingest first sees the subscription, or notify.
    /// </summary>
    public async Task LinkAsync(Guid node, IEnumerable<Guid> sids, Guid inbound = default)
    {
        foreach (Guid sid in sids)
        {
            SubscriptionScope scope = await ScopeAsync(sid);
            var links = new List<InboundLink>(scope.Links.ToArray()) { new(inbound, node) };
            await WriteScopeAsync(sid, SubscriptionScope.Of(links));
        }
    }

    public Task LinkAsync(Guid node, params Guid[] sids) => LinkAsync(node, sids, default);

    /// <summary>Removes every link of <paramref name="sid"/> to <paramref name="inbound"/>, as the Api publishes an unlink.</summary>
    public async Task UnlinkAsync(Guid sid, Guid inbound = default)
    {
        SubscriptionScope scope = await ScopeAsync(sid);
        await WriteScopeAsync(sid, SubscriptionScope.Of(scope.Links.ToArray().Where(l => l.Inbound != inbound)));
    }

    private async Task<SubscriptionScope> ScopeAsync(Guid sid)
    {
        string? id = await Db.HashGetAsync(RedisKeys.SubscriptionState(sid, BucketCount), SubscriptionState.Fields.Scope);
        string? text = string.IsNullOrEmpty(id) ? null : (string?)await Db.StringGetAsync(RedisKeys.Scope(id));
        return text is not null && SubscriptionScope.TryParse(text, out SubscriptionScope scope) ? scope : SubscriptionScope.Empty;
    }

    private async Task WriteScopeAsync(Guid sid, SubscriptionScope scope)
    {
        if (scope.Count > 0) await Db.StringSetAsync(RedisKeys.Scope(scope.Id), scope.Format());
        await Db.HashSetAsync(RedisKeys.SubscriptionState(sid, BucketCount), SubscriptionState.Fields.Scope, scope.Id);
    }

    public async Task NotifySubscriptionChangedAsync(Guid sid) =>
        await Db.StreamAddAsync(RedisKeys.StateChanges, new StateChange(StateChangeKind.Subscription, sid).ToEntry());

    /// <summary>Bytes used in the period starting at <paramref name="periodStartMs"/> (0 = never resets); 0 when absent.</summary>
    public async Task<long> UsedAsync(Guid sid, long periodStartMs = 0)
    {
        RedisValue value = await Db.StringGetAsync(RedisKeys.Usage(sid, periodStartMs, BucketCount));
        return value.IsNull ? 0 : (long)value;
    }

    /// <summary>The over-limit events in <paramref name="sid"/>'s bucket stream that name it, as field maps.</summary>
    public async Task<List<Dictionary<string, string>>> EventsForAsync(Guid sid)
    {
        StreamEntry[] entries = await Db.StreamRangeAsync(RedisKeys.Events(Buckets.Of(sid, BucketCount)));
        var result = new List<Dictionary<string, string>>();
        foreach (StreamEntry entry in entries)
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (NameValueEntry field in entry.Values) map[field.Name!] = field.Value!;
            if (map.GetValueOrDefault("subscription") == sid.ToString("N")) result.Add(map);
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await FlushAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // best effort: keys left behind under a random prefix never meet another test
        }
        await Connection.DisposeAsync();
    }
}
