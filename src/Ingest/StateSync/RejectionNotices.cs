using System.Collections.Concurrent;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.StateSync;

/// <summary>
/// Nodes that had reports rejected, for the audit log (which lives in Postgres, where Ingest never goes). Requests
/// only touch memory; <see cref="CacheMaintenance"/> calls <see cref="PublishAsync"/> once a tick, which adds at most
/// one notice per node per UTC hour to <c>nodes:rejections</c> for the Api to write as an audit entry. The hour is
/// claimed with <c>SET NX</c> on a marker key, so several Ingest instances still give one notice per node and hour.
/// </summary>
internal sealed class RejectionNotices(TimeProvider time)
{
    private const long HourMs = 3_600_000;
    private const int StreamLength = 10_000;
    // Set at any moment of its hour, a marker of two hours lasts past the end of that hour (and covers clocks a little apart).
    private static readonly TimeSpan MarkerLifetime = TimeSpan.FromMilliseconds(2 * HourMs);

    private readonly ConcurrentDictionary<Guid, long> _pending = new();
    // The hour each node's notice was last claimed in (by this instance or another): no Redis command for the rest of it.
    private readonly ConcurrentDictionary<Guid, long> _claimed = new();

    public void Record(Guid nodeId, int rejected)
        => _pending.AddOrUpdate(nodeId, static (_, n) => n, static (_, old, n) => old + n, (long)rejected);

    /// <summary>Publishes the notices of nodes not yet noticed this hour; returns how many notices were added.</summary>
    public async Task<int> PublishAsync(IDatabase redis, CancellationToken ct)
    {
        if (_pending.IsEmpty) return 0;
        long nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        long hour = nowMs - (nowMs % HourMs);
        int added = 0;
        foreach (KeyValuePair<Guid, long> pair in _pending)
        {
            if (!_pending.TryRemove(pair)) continue;
            (Guid node, long rejected) = pair;
            if (_claimed.TryGetValue(node, out long claimedHour) && claimedHour == hour) continue;
            string marker = RedisKeys.RejectionMarker(node, hour);
            bool set = await redis.StringSetAsync(marker, "1", MarkerLifetime, When.NotExists).WaitAsync(ct);
            _claimed[node] = hour;
            if (!set) continue; // another instance noticed this node this hour
            try
            {
                await redis.StreamAddAsync(RedisKeys.NodeRejections,
                    [new("node", node.ToString("N")), new("hour", hour), new("rejected", rejected), new("at", nowMs)],
                    maxLength: StreamLength, useApproximateMaxLength: true).WaitAsync(ct);
            }
            catch
            {
                // Give the hour back, so the next tick (or another instance) notices the node instead of nobody.
                _claimed.TryRemove(node, out _);
                await redis.KeyDeleteAsync(marker);
                _pending.AddOrUpdate(node, rejected, (_, old) => old + rejected);
                throw;
            }
            added++;
        }
        return added;
    }
}
