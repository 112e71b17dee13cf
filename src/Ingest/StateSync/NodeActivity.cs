using System.Collections.Concurrent;

namespace Vpn.Perf.Ingest.StateSync;

/// <summary>
/// The last time each node had a batch accepted. Requests only touch memory; <see cref="CacheMaintenance"/>
/// publishes the map to Redis (<c>nodes:last_seen</c>) once a second, so the Api can show which nodes are
/// active without Ingest paying a Redis command per request.
/// </summary>
internal sealed class NodeActivity
{
    private readonly ConcurrentDictionary<Guid, long> _lastSeen = new();

    public void Seen(Guid nodeId, long nowMs)
        => _lastSeen.AddOrUpdate(nodeId, static (_, now) => now, static (_, old, now) => Math.Max(old, now), nowMs);

    /// <summary>Takes the entries seen since the last drain.</summary>
    public List<KeyValuePair<Guid, long>> Drain()
    {
        var drained = new List<KeyValuePair<Guid, long>>(_lastSeen.Count);
        foreach (KeyValuePair<Guid, long> pair in _lastSeen)
        {
            if (_lastSeen.TryRemove(pair)) drained.Add(pair);
        }
        return drained;
    }
}
