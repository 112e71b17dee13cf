using System.Globalization;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>
/// Publishes what Ingest needs from Postgres into Redis (see <see cref="RedisKeys"/>): subscription state
/// hashes (limits, expiry, suspension, period, and the id of the scope: linked inbounds with their nodes, under its
/// own content-addressed key) and node tokens, each followed by a notice on <c>state:changes</c> so Ingest's caches drop the
/// old value within a second. Every field is always written (empty = no restriction) in one command, so a
/// reader never sees a half-written state. StackExchange.Redis takes no cancellation token: a command ends with its
/// reply or at <c>asyncTimeout</c>, and a cancelled token only stops the wait.
/// </summary>
internal sealed class StatePublisher(IDatabase redis, int bucketCount)
{
    private const int ChangeStreamLength = 100_000;
    private const string LegacyInboundsField = "inbounds";

    /// <summary>The bucket count the keys are built with (Ingest:BucketCount).</summary>
    public int BucketCount => bucketCount;

    public Task PublishSubscriptionAsync(Guid subscriptionId, SubscriptionState state, CancellationToken ct)
        => PublishSubscriptionsAsync([new(subscriptionId, state)], ct);

    /// <summary>Removes a deleted subscription's state hash, so nothing stale remains for Ingest to read.</summary>
    public Task DeleteSubscriptionAsync(Guid subscriptionId, CancellationToken ct)
        => PublishSubscriptionsAsync([new(subscriptionId, null)], ct);

    /// <summary>
    /// Publishes many subscriptions in three pipelined rounds: every distinct scope key, then every hash write (or DEL,
    /// for a null state), then every change notice, each round sent whole before any reply is awaited. A round starts
    /// only after the one before was acknowledged, because the keys of one round may live on different servers (a
    /// Cluster), where nothing orders one connection's commands after another's: a hash that overtook its scope key
    /// would name a missing scope, and a notice that overtook its write would let Ingest reload, and keep, the old
    /// state. Throws when any command failed; a retry rewrites the same values.
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
            scopeWrites.Add(redis.StringSetAsync(RedisKeys.Scope(id), scope.Format(), RedisKeys.ScopeRetention));
        }
        await Task.WhenAll(scopeWrites).WaitAsync(ct);
        var writes = new List<Task>(changes.Count * 2);
        foreach ((Guid id, SubscriptionState? state) in changes)
        {
            string key = RedisKeys.SubscriptionState(id, bucketCount);
            if (state is null)
            {
                writes.Add(redis.KeyDeleteAsync(key));
                continue;
            }
            writes.Add(redis.HashSetAsync(key, Entries(state)));
            // Hashes written before scopes were content-addressed carry the links themselves (16 KiB at 256 nodes).
            writes.Add(redis.HashDeleteAsync(key, LegacyInboundsField));
        }
        await Task.WhenAll(writes).WaitAsync(ct);
        var notices = new Task[changes.Count];
        for (int i = 0; i < changes.Count; i++) notices[i] = NotifyAsync(StateChangeKind.Subscription, changes[i].Key);
        await Task.WhenAll(notices).WaitAsync(ct);
    }

    /// <summary>
    /// Renews the time to live of each named scope key (see <see cref="RedisKeys.ScopeRetention"/>), pipelined, and
    /// returns the ids whose key is missing: the subscriptions naming them must be published again.
    /// </summary>
    public async Task<HashSet<string>> RenewScopesAsync(IReadOnlyCollection<string> scopeIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scopeIds);
        var renewals = new List<(string Id, Task<bool> Renewed)>(scopeIds.Count);
        foreach (string id in scopeIds)
        {
            renewals.Add((id, redis.KeyExpireAsync(RedisKeys.Scope(id), RedisKeys.ScopeRetention)));
        }
        await Task.WhenAll(renewals.Select(r => r.Renewed)).WaitAsync(ct);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string id, Task<bool> renewed) in renewals)
        {
            if (!await renewed) missing.Add(id);
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
        await redis.HashSetAsync(RedisKeys.NodeToken(keySha256.Span), [new("node_id", nodeId.ToString("N")), new("token_id", tokenId.ToString("N"))]).WaitAsync(ct);
        await NotifyAsync(StateChangeKind.Token, tokenId).WaitAsync(ct);
    }

    public async Task RevokeNodeTokenAsync(ReadOnlyMemory<byte> keySha256, Guid tokenId, CancellationToken ct)
    {
        await redis.KeyDeleteAsync(RedisKeys.NodeToken(keySha256.Span)).WaitAsync(ct);
        await NotifyAsync(StateChangeKind.Token, tokenId).WaitAsync(ct);
    }

    /// <summary>Every field in one command (HashSetAsync sends one HMSET), so a reader never sees half a state.</summary>
    private static HashEntry[] Entries(SubscriptionState state)
    {
        string[] fields = FieldValues(state);
        var entries = new HashEntry[fields.Length / 2];
        for (int i = 0; i < entries.Length; i++) entries[i] = new HashEntry(fields[2 * i], fields[(2 * i) + 1]);
        return entries;
    }

    private Task<RedisValue> NotifyAsync(StateChangeKind kind, Guid id)
        => redis.StreamAddAsync(RedisKeys.StateChanges, new StateChange(kind, id).ToEntry(), maxLength: ChangeStreamLength, useApproximateMaxLength: true);
}
