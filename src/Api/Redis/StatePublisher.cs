using System.Globalization;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Api.Redis;

/// <summary>
/// Publishes what Ingest needs from Postgres into Redis (see <see cref="RedisKeys"/>): subscription state
/// hashes and node tokens, each followed by a notice on <c>state:changes</c> so Ingest's caches drop the
/// old value within a second. Every field is always written (empty = no restriction) in one HSET, so a
/// reader never sees a half-written state.
/// </summary>
internal sealed class StatePublisher(RedisClient redis, int bucketCount)
{
    private const int ChangeStreamLength = 100_000;

    public async Task PublishSubscriptionAsync(Guid subscriptionId, SubscriptionState state, CancellationToken ct)
    {
        var c = CultureInfo.InvariantCulture;
        await redis.ExecuteAsync("HSET",
        [
            RedisKeys.SubscriptionState(subscriptionId, bucketCount),
            SubscriptionState.Fields.MaxTraffic, state.MaxTraffic?.ToString(c) ?? "",
            SubscriptionState.Fields.ExpiresAt, state.ExpiresAtMs?.ToString(c) ?? "",
            SubscriptionState.Fields.Suspended, state.Suspended ? "1" : "0",
            SubscriptionState.Fields.ResetPeriod, state.Period?.Text ?? "",
            SubscriptionState.Fields.ResetAnchor, state.ResetAnchorMs.ToString(c),
        ], ct);
        await NotifyAsync("sub", subscriptionId, ct);
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

    private async Task NotifyAsync(string kind, Guid id, CancellationToken ct)
        => await redis.ExecuteAsync("XADD", [RedisKeys.StateChanges, "MAXLEN", "~", ChangeStreamLength.ToString(CultureInfo.InvariantCulture), "*", "kind", kind, "id", id.ToString("N")], ct);
}
