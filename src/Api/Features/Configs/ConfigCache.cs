using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// Rendered configs per subscription id, in memory, exact as long as the config_changed
/// LISTEN connection is up: entries are stored only while it is, and it is cleared whenever the connection is
/// (re)established or lost. A load that raced an invalidation is not stored: every load carries a token (a global
/// epoch bumped by <see cref="Clear"/> and a per-stripe counter bumped by <see cref="Evict"/>) and the store is
/// undone if the token moved.
/// </summary>
internal sealed class ConfigCache(IOptions<ConfigOptions> options)
{
    private const int StripeCount = 256; // power of two; contention-free enough for evictions by id

    private readonly ConcurrentDictionary<Guid, CachedConfig> _configs = new();
    private readonly long[] _stripes = new long[StripeCount];
    private readonly int _capacity = options.Value.CacheCapacity;
    private long _epoch;
    private volatile bool _listening;

    public int Count => _configs.Count;

    /// <summary>True while invalidations are being received; nothing is stored otherwise.</summary>
    public bool IsListening => _listening;

    public bool TryGet(Guid id, out CachedConfig entry) => _configs.TryGetValue(id, out entry!);

    /// <summary>Taken before reading Postgres; <see cref="Store"/> drops the result if anything was invalidated meanwhile.</summary>
    public LoadToken BeginLoad(Guid id) => new(Volatile.Read(ref _epoch), Volatile.Read(ref _stripes[Stripe(id)]));

    public void Store(Guid id, CachedConfig entry, LoadToken token)
    {
        if (!_listening || !entry.Found) return; // unknown tokens never get this far (LinkIndex); a vanished id is not kept
        if (_configs.Count >= _capacity) Trim(_configs);
        _configs[id] = entry;
        // Checked after the insert: an invalidation before this line is seen here, one after it removes the entry itself.
        if (Volatile.Read(ref _epoch) != token.Epoch || Volatile.Read(ref _stripes[Stripe(id)]) != token.Stripe)
        {
            _configs.TryRemove(new KeyValuePair<Guid, CachedConfig>(id, entry));
        }
    }

    public void Evict(Guid id)
    {
        Interlocked.Increment(ref _stripes[Stripe(id)]);
        _configs.TryRemove(id, out _);
    }

    public void Clear()
    {
        Interlocked.Increment(ref _epoch);
        _configs.Clear();
    }

    /// <summary>Called by the listener: on with a fresh LISTEN (and an empty cache), off the moment it is lost.</summary>
    public void SetListening(bool listening)
    {
        _listening = listening;
        Clear();
    }

    private static int Stripe(Guid id) => id.GetHashCode() & (StripeCount - 1);

    private static void Trim(ConcurrentDictionary<Guid, CachedConfig> map)
    {
        int drop = Math.Max(1, map.Count / 10);
        foreach (Guid key in map.Keys)
        {
            if (drop-- <= 0) break;
            map.TryRemove(key, out _);
        }
    }

    internal readonly record struct LoadToken(long Epoch, long Stripe);
}
