using System.Globalization;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Api.Redis;

/// <summary>
/// Publishes what Ingest needs from Postgres into Redis (see <see cref="RedisKeys"/>): subscription state
/// hashes (limits, expiry, suspension, period, and the scope: linked inbounds with their nodes) and node tokens, each followed by a notice on <c>state:changes</c> so Ingest's caches drop the
/// old value within a second. Every field is always written (empty = no restriction) in one HSET, so a
/// reader never sees a half-written state.
/// </summary>
internal sealed class StatePublisher(RedisClient redis, int bucketCount)
{
    private const int ChangeStreamLength = 100_000;

    /// <summary>The bucket count the keys are built with (Ingest:BucketCount).</summary>
    public int BucketCount => bucketCount;

    public async Task PublishSubscriptionAsync(Guid subscriptionId, SubscriptionState state, CancellationToken ct)
    {
        await redis.ExecuteAsync("HSET", HSetArgs(subscriptionId, state), ct);
        await NotifyAsync("sub", subscriptionId, ct);
    }

    /// <summary>Removes a deleted subscription's state hash, so nothing stale remains for Ingest to read.</summary>
    public async Task DeleteSubscriptionAsync(Guid subscriptionId, CancellationToken ct)
    {
        await redis.ExecuteAsync("DEL", [RedisKeys.SubscriptionState(subscriptionId, bucketCount)], ct);
        await NotifyAsync("sub", subscriptionId, ct);
    }

    /// <summary>
    /// Publishes many subscriptions in two pipelined rounds: every HSET (or DEL, for a null state) is sent before
    /// any reply is awaited, then every change notice. The notices go only after all writes were acknowledged,
    /// because the client may spread commands over several connections and a notice that overtook its write would
    /// let Ingest reload, and keep, the old state. Throws when any command failed; a retry rewrites the same values.
    /// </summary>
    public async Task PublishSubscriptionsAsync(IReadOnlyList<KeyValuePair<Guid, SubscriptionState?>> changes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0) return;
        var writes = new Task[changes.Count];
        for (int i = 0; i < changes.Count; i++)
        {
            (Guid id, SubscriptionState? state) = changes[i];
            writes[i] = state is null
                ? redis.ExecuteAsync("DEL", [RedisKeys.SubscriptionState(id, bucketCount)], ct).AsTask()
                : redis.ExecuteAsync("HSET", HSetArgs(id, state), ct).AsTask();
        }
        await Task.WhenAll(writes);
        var notices = new Task[changes.Count];
        for (int i = 0; i < changes.Count; i++) notices[i] = NotifyAsync("sub", changes[i].Key, ct);
        await Task.WhenAll(notices);
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
            SubscriptionState.Fields.Inbounds, state.Scope.Format(),
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

    private string[] HSetArgs(Guid subscriptionId, SubscriptionState state)
    {
        string[] fields = FieldValues(state);
        var args = new string[fields.Length + 1];
        args[0] = RedisKeys.SubscriptionState(subscriptionId, bucketCount);
        fields.CopyTo(args, 1);
        return args;
    }

    private async Task NotifyAsync(string kind, Guid id, CancellationToken ct)
        => await redis.ExecuteAsync("XADD", [RedisKeys.StateChanges, "MAXLEN", "~", ChangeStreamLength.ToString(CultureInfo.InvariantCulture), "*", "kind", kind, "id", id.ToString("N")], ct);
}
