using System.Globalization;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Api.Redis;

/// <summary>
/// Publishes what Ingest needs from Postgres into Redis (see <see cref="RedisKeys"/>): subscription state
/// hashes (limits, expiry, suspension, period, and the id of the scope: linked inbounds with their nodes, under its
/// own content-addressed key) and node tokens, each followed by a notice on <c>state:changes</c> so Ingest's caches drop the
/// old value within a second. Every field is always written (empty = no restriction) in one HSET, so a
/// reader never sees a half-written state.
/// </summary>
internal sealed class StatePublisher(RedisClient redis, int bucketCount)
{
    private const int ChangeStreamLength = 100_000;
    private const string LegacyInboundsField = "inbounds";
    private static readonly string ScopeRetentionSeconds = ((long)RedisKeys.ScopeRetention.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>The bucket count the keys are built with (Ingest:BucketCount).</summary>
    public int BucketCount => bucketCount;

    public Task PublishSubscriptionAsync(Guid subscriptionId, SubscriptionState state, CancellationToken ct)
        => PublishSubscriptionsAsync([new(subscriptionId, state)], ct);

    /// <summary>Removes a deleted subscription's state hash, so nothing stale remains for Ingest to read.</summary>
    public Task DeleteSubscriptionAsync(Guid subscriptionId, CancellationToken ct)
        => PublishSubscriptionsAsync([new(subscriptionId, null)], ct);

    /// <summary>
    /// Publishes many subscriptions in three pipelined rounds: every distinct scope key, then every HSET (or DEL, for a
    /// null state), then every change notice, each round sent whole before any reply is awaited. A round starts only
    /// after the one before was acknowledged, because the client may spread commands over several connections: a hash
    /// that overtook its scope key would name a missing scope, and a notice that overtook its write would let Ingest
    /// reload, and keep, the old state. Throws when any command failed; a retry rewrites the same values.
    /// </summary>
    public async Task PublishSubscriptionsAsync(IReadOnlyList<KeyValuePair<Guid, SubscriptionState?>> changes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0) return;
        var scopes = new Dictionary<string, SubscriptionScope>(StringComparer.Ordinal);
        foreach ((_, SubscriptionState? state) in changes)
        {
            if (state is not null && state.Scope.Count > 0) scopes.TryAdd(state.Scope.Id, state.Scope);
        }
        var scopeWrites = new List<Task>(scopes.Count);
        foreach ((string id, SubscriptionScope scope) in scopes)
        {
            scopeWrites.Add(redis.ExecuteAsync("SET", [RedisKeys.Scope(id), scope.Format(), "EX", ScopeRetentionSeconds], ct).AsTask());
        }
        await Task.WhenAll(scopeWrites);
        var writes = new List<Task>(changes.Count * 2);
        foreach ((Guid id, SubscriptionState? state) in changes)
        {
            string key = RedisKeys.SubscriptionState(id, bucketCount);
            if (state is null)
            {
                writes.Add(redis.ExecuteAsync("DEL", [key], ct).AsTask());
                continue;
            }
            writes.Add(redis.ExecuteAsync("HSET", HSetArgs(key, state), ct).AsTask());
            // Hashes written before scopes were content-addressed carry the links themselves (16 KiB at 256 nodes).
            writes.Add(redis.ExecuteAsync("HDEL", [key, LegacyInboundsField], ct).AsTask());
        }
        await Task.WhenAll(writes);
        var notices = new Task[changes.Count];
        for (int i = 0; i < changes.Count; i++) notices[i] = NotifyAsync("sub", changes[i].Key, ct);
        await Task.WhenAll(notices);
    }

    /// <summary>
    /// Renews the time to live of each named scope key (see <see cref="RedisKeys.ScopeRetention"/>), pipelined, and
    /// returns the ids whose key is missing: the subscriptions naming them must be published again.
    /// </summary>
    public async Task<HashSet<string>> RenewScopesAsync(IReadOnlyCollection<string> scopeIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scopeIds);
        var renewals = new List<(string Id, Task<RespValue> Reply)>(scopeIds.Count);
        foreach (string id in scopeIds)
        {
            renewals.Add((id, redis.ExecuteAsync("EXPIRE", [RedisKeys.Scope(id), ScopeRetentionSeconds], ct).AsTask()));
        }
        var missing = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string id, Task<RespValue> reply) in renewals)
        {
            if ((await reply).AsInt64() == 0) missing.Add(id);
        }
        return missing;
    }

    /// <summary>The hash fields and values exactly as <see cref="PublishSubscriptionAsync"/> writes them (field, value, ...).</summary>
    public static string[] FieldValues(SubscriptionState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var c = CultureInfo.InvariantCulture;
        return
        [
            SubscriptionState.Fields.MaxTraffic, state.MaxTraffic?.ToString(c) ?? "",
            SubscriptionState.Fields.ExpiresAt, state.ExpiresAtMs?.ToString(c) ?? "",
            SubscriptionState.Fields.Suspended, state.Suspended ? "1" : "0",
            SubscriptionState.Fields.ResetPeriod, state.Period?.Text ?? "",
            SubscriptionState.Fields.ResetAnchor, state.ResetAnchorMs.ToString(c),
            SubscriptionState.Fields.Scope, state.Scope.Id,
        ];
    }

    public async Task PublishNodeTokenAsync(ReadOnlyMemory<byte> keySha256, Guid nodeId, Guid tokenId, CancellationToken ct)
    {
        await redis.ExecuteAsync("HSET", [RedisKeys.NodeToken(keySha256.Span), "node_id", nodeId.ToString("N"), "token_id", tokenId.ToString("N")], ct);
        await NotifyAsync("token", tokenId, ct);
    }

    public async Task RevokeNodeTokenAsync(ReadOnlyMemory<byte> keySha256, Guid tokenId, CancellationToken ct)
    {
        await redis.ExecuteAsync("DEL", [RedisKeys.NodeToken(keySha256.Span)], ct);
        await NotifyAsync("token", tokenId, ct);
    }

    private static string[] HSetArgs(string key, SubscriptionState state)
    {
        string[] fields = FieldValues(state);
        var args = new string[fields.Length + 1];
        args[0] = key;
        fields.CopyTo(args, 1);
        return args;
    }

    private async Task NotifyAsync(string kind, Guid id, CancellationToken ct)
        => await redis.ExecuteAsync("XADD", [RedisKeys.StateChanges, "MAXLEN", "~", ChangeStreamLength.ToString(CultureInfo.InvariantCulture), "*", "kind", kind, "id", id.ToString("N")], ct);
}
