using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>
/// A client on one test class's own Redis database (see <see cref="TestServers.RedisDb"/>), flushed when opened, with
/// helpers that publish what the Api would publish (node tokens, subscription state, change notices) and read usage.
/// </summary>
internal sealed class TestRedis : IAsyncDisposable
{
    private TestRedis(RedisClient client, int db, int bucketCount)
    {
        Client = client;
        Database = db;
        BucketCount = bucketCount;
    }

    public RedisClient Client { get; }

    public int Database { get; }

    public int BucketCount { get; }

    public static async Task<TestRedis> OpenAsync(int db, int bucketCount)
    {
        if (db is < 1 or > 15) throw new ArgumentOutOfRangeException(nameof(db), "Ingest tests own Redis databases 1..15.");
        RedisOptions options = RedisOptions.Parse(TestServers.RedisFor(db)) with { ConnectTimeout = TimeSpan.FromSeconds(3) };
        RedisClient client;
        try
        {
            client = await RedisClient.ConnectAsync(options, null, CancellationToken.None);
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException(
                $"Redis is not reachable at {options.EndPointText} (ConnectionStrings__Redis): {ex.Message} Start the test servers with `{TestServers.StartCommand}`.", ex);
        }
        await client.ExecuteAsync("FLUSHDB", [], CancellationToken.None);
        return new TestRedis(client, db, bucketCount);
    }

    /// <summary>Publishes a node token as the Api does and returns its key (what the node sends as Bearer).</summary>
    public async Task<string> SeedNodeTokenAsync(Guid nodeId)
    {
        string key = Guid.NewGuid().ToString("N"); // 32 characters, like a real token key
        await Client.ExecuteAsync("HSET", [TokenKey(key), "node_id", nodeId.ToString("N"), "token_id", Guid.NewGuid().ToString("N")], CancellationToken.None);
        return key;
    }

    public static string TokenKey(string key) => RedisKeys.NodeToken(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Revokes as the Api does: delete the hash, then tell Ingest's caches.</summary>
    public async Task RevokeNodeTokenAsync(string key)
    {
        await Client.DelAsync([TokenKey(key)], CancellationToken.None);
        await Client.ExecuteAsync("XADD", [RedisKeys.StateChanges, "*", "kind", "token", "id", "x"], CancellationToken.None);
    }

    /// <summary>Writes a subscription's state hash; null fields are left out (no restriction).</summary>
    public async Task SeedSubscriptionAsync(Guid sid, long? maxTraffic = null, long? expiresAtMs = null, bool suspended = false,
        string? resetPeriod = null, long? resetAnchorMs = null)
    {
        var args = new List<string> { RedisKeys.SubscriptionState(sid, BucketCount) };
        void Add(string field, string value)
        {
            args.Add(field);
            args.Add(value);
        }
        if (maxTraffic is { } m) Add(SubscriptionState.Fields.MaxTraffic, m.ToString(CultureInfo.InvariantCulture));
        if (expiresAtMs is { } e) Add(SubscriptionState.Fields.ExpiresAt, e.ToString(CultureInfo.InvariantCulture));
        Add(SubscriptionState.Fields.Suspended, suspended ? "1" : "0");
        if (resetPeriod is not null) Add(SubscriptionState.Fields.ResetPeriod, resetPeriod);
        if (resetAnchorMs is { } a) Add(SubscriptionState.Fields.ResetAnchor, a.ToString(CultureInfo.InvariantCulture));
        await Client.ExecuteAsync("HSET", args.ToArray(), CancellationToken.None);
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
        string? id = await Client.HGetAsync(RedisKeys.SubscriptionState(sid, BucketCount), SubscriptionState.Fields.Scope, CancellationToken.None);
        string? text = string.IsNullOrEmpty(id) ? null : (await Client.ExecuteAsync("GET", [RedisKeys.Scope(id)], CancellationToken.None)).AsString();
        return text is not null && SubscriptionScope.TryParse(text, out SubscriptionScope scope) ? scope : SubscriptionScope.Empty;
    }

    private async Task WriteScopeAsync(Guid sid, SubscriptionScope scope)
    {
        if (scope.Count > 0) await Client.ExecuteAsync("SET", [RedisKeys.Scope(scope.Id), scope.Format()], CancellationToken.None);
        await Client.ExecuteAsync("HSET", [RedisKeys.SubscriptionState(sid, BucketCount), SubscriptionState.Fields.Scope, scope.Id], CancellationToken.None);
    }

    public async Task NotifySubscriptionChangedAsync(Guid sid) =>
        await Client.ExecuteAsync("XADD", [RedisKeys.StateChanges, "*", "kind", "sub", "id", sid.ToString("N")], CancellationToken.None);

    /// <summary>Bytes used in the period starting at <paramref name="periodStartMs"/> (0 = never resets); 0 when absent.</summary>
    public async Task<long> UsedAsync(Guid sid, long periodStartMs = 0)
    {
        string? value = await Client.GetStringAsync(RedisKeys.Usage(sid, periodStartMs, BucketCount), CancellationToken.None);
        return value is null ? 0 : long.Parse(value, CultureInfo.InvariantCulture);
    }

    /// <summary>The over-limit events in <paramref name="sid"/>'s bucket stream that name it, as field maps.</summary>
    public async Task<List<Dictionary<string, string>>> EventsForAsync(Guid sid)
    {
        RespValue entries = await Client.ExecuteAsync("XRANGE", [RedisKeys.Events(Buckets.Of(sid, BucketCount)), "-", "+"], CancellationToken.None);
        var result = new List<Dictionary<string, string>>();
        for (int i = 0; i < entries.Length; i++)
        {
            RespValue fields = entries[i][1];
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int f = 0; f + 1 < fields.Length; f += 2) map[fields[f].AsString()!] = fields[f + 1].AsString()!;
            if (map.GetValueOrDefault("subscription") == sid.ToString("N")) result.Add(map);
        }
        return result;
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
