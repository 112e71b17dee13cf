using System.Collections.Concurrent;
using System.Globalization;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest.Pipeline;

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

    private readonly ConcurrentDictionary<Guid, long> _pending = new();
    // The hour each node's notice was last claimed in (by this instance or another): no Redis command for the rest of it.
    private readonly ConcurrentDictionary<Guid, long> _claimed = new();

    public void Record(Guid nodeId, int rejected)
        => _pending.AddOrUpdate(nodeId, static (_, n) => n, static (_, old, n) => old + n, (long)rejected);

    /// <summary>Publishes the notices of nodes not yet noticed this hour; returns how many notices were added.</summary>
    public async Task<int> PublishAsync(RedisClient redis, CancellationToken ct)
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
            string id = node.ToString("N");
            string marker = RedisKeys.RejectionMarker(node, hour);
            RespValue set = await redis.ExecuteAsync("SET", [marker, "1", "NX", "PX", (2 * HourMs).ToString(CultureInfo.InvariantCulture)], ct);
            _claimed[node] = hour;
            if (set.IsNull) continue; // another instance noticed this node this hour
            try
            {
                await redis.ExecuteAsync("XADD", [RedisKeys.NodeRejections, "MAXLEN", "~", StreamLength.ToString(CultureInfo.InvariantCulture), "*",
                    "node", id, "hour", hour.ToString(CultureInfo.InvariantCulture), "rejected", rejected.ToString(CultureInfo.InvariantCulture),
                    "at", nowMs.ToString(CultureInfo.InvariantCulture)], ct);
            }
            catch
            {
                // Give the hour back, so the next tick (or another instance) notices the node instead of nobody.
                _claimed.TryRemove(node, out _);
                await redis.DelAsync([marker], CancellationToken.None);
                _pending.AddOrUpdate(node, rejected, (_, old) => old + rejected);
                throw;
            }
            added++;
        }
        return added;
    }
}
