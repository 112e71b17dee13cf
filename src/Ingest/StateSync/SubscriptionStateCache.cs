using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.StateSync;

/// <summary>
/// Subscription state (limit, expiry, suspension, reset period) as the Api publishes it to Redis, held in
/// memory so the hot path reads it with one table lookup per report (<see cref="SubscriptionTable"/>). Entries are dropped by the change
/// feed as soon as the Api changes them and refreshed after <see cref="IngestOptions.StateCacheMaxAge"/> in any case.
/// </summary>
/// <remarks>
/// A state names its scope by id (<see cref="SubscriptionScope"/>); each distinct scope is read and held once.
/// The state carries the subscription's scope (its linked inbounds and their nodes), so a stale entry could count
/// usage a node may no longer report. A load races the change feed: the HMGET can read the old hash, the feed then
/// drops the (absent) entry, and the load stores the old value after the drop, where nothing would remove it before
/// the max age. Every invalidation therefore bumps a generation; a load stores its values only when the
/// generation it started under still holds after storing them (and takes them back out otherwise), which is the
/// check Npgsql's pool does with its clear counter.
/// </remarks>
internal sealed class SubscriptionStateCache(IDatabase redis, IngestOptions options)
{
    private const int MaxEntries = 1_000_000;
    // Distinct scopes, not subscriptions: subscriptions share the few their plans and groups give them.
    private const int MaxScopes = 100_000;

    // Ids come from nodes, and every id a node names is loaded and kept (an unknown one as linked nowhere): the table
    // places them by RandomizedGuidComparer's hash, drawn from all 128 bits with this process's random seed, so a node
    // cannot name ids that all probe the same slots.
    private readonly SubscriptionTable _entries = new();
    // The read under way per id; requests that miss the same id wait for it instead of sending their own.
    private readonly ConcurrentDictionary<Guid, Task<SubscriptionState>> _inFlight = new();
    // By scope id. Never invalidated: the text under an id never changes (the id is drawn from it).
    private readonly ConcurrentDictionary<string, SubscriptionScope> _scopes = new(StringComparer.Ordinal);
    private readonly long _maxAgeMs = (long)options.StateCacheMaxAge.TotalMilliseconds;
    private long _generation;

    // The HMGET's fields, in the order Parse reads them; the library only reads the array, so every load shares it.
    private static readonly RedisValue[] StateFields =
    [
        SubscriptionState.Fields.MaxTraffic, SubscriptionState.Fields.ExpiresAt, SubscriptionState.Fields.Suspended,
        SubscriptionState.Fields.ResetPeriod, SubscriptionState.Fields.ResetAnchor, SubscriptionState.Fields.Scope,
    ];

    /// <summary>
    /// Hints that <paramref name="subscriptionId"/> is looked up soon: a caller walking a batch calls it a few items ahead,
    /// so the lookups' cache misses overlap instead of following each other (<see cref="SubscriptionTable"/>).
    /// </summary>
    public void Prefetch(Guid subscriptionId) => _entries.Prefetch(subscriptionId);

    /// <summary>The cached scope alone, for access events (the table holds it beside the state: one slot read).</summary>
    public bool TryGetScope(Guid subscriptionId, long nowMs, out SubscriptionScope scope)
    {
        if (_entries.TryGet(subscriptionId, out SubscriptionTable.Entry e) && nowMs - e.FetchedAtMs < _maxAgeMs)
        {
            scope = e.Scope;
            return true;
        }
        scope = SubscriptionScope.Empty;
        return false;
    }

    /// <summary>The cached state with its scope and usage counter's name, unless absent or older than the max age.</summary>
    public bool TryGet(Guid subscriptionId, long nowMs, out SubscriptionTable.Entry entry)
    {
        if (_entries.TryGet(subscriptionId, out entry) && nowMs - entry.FetchedAtMs < _maxAgeMs) return true;
        entry = default;
        return false;
    }

    /// <summary>
    /// Loads the given subscriptions from Redis, pipelined, caches them and returns them in the same order. Each id is
    /// read once however often it appears and however many requests miss it at the same moment: a request joins the
    /// load already in flight for an id rather than queueing its own HMGET. Without that, a cold cache under many
    /// concurrent batches (every access event names a subscription) queued one HMGET per event, past the Redis client's
    /// pending bound, and the failures that followed dropped every cache again.
    /// </summary>
    public async Task<SubscriptionState[]> LoadAsync(Guid[] ids, long nowMs, CancellationToken ct)
    {
        long generation = Volatile.Read(ref _generation);
        var loads = new Task<SubscriptionState>[ids.Length];
        List<Load>? mine = null;
        for (int i = 0; i < ids.Length; i++)
        {
            while (!_inFlight.TryGetValue(ids[i], out loads[i]!))
            {
                var load = new Load(ids[i]);
                if (_inFlight.TryAdd(ids[i], load.Done.Task))
                {
                    (mine ??= []).Add(load);
                    loads[i] = load.Done.Task;
                    break;
                }
            }
        }
        if (mine is not null)
        {
            await LoadAndStoreAsync(mine, generation, nowMs);
        }
        var states = new SubscriptionState[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            states[i] = await loads[i].WaitAsync(ct);
        }
        return states;
    }

    private async Task LoadAndStoreAsync(List<Load> loads, long generation, long nowMs)
    {
        try
        {
            // All HMGETs are queued before the first await, so they travel pipelined. Not cancelled with the request that
            // started them: other requests may be waiting for the same reads.
            var pending = new Task<RedisValue[]>[loads.Count];
            for (int i = 0; i < loads.Count; i++)
            {
                pending[i] = redis.HashGetAsync(RedisKeys.SubscriptionState(loads[i].Id, options.BucketCount), StateFields);
            }
            if (_entries.Count + loads.Count > MaxEntries)
            {
                _entries.Clear();
            }
            var states = new SubscriptionState[loads.Count];
            var scopeIds = new string?[loads.Count];
            for (int i = 0; i < pending.Length; i++)
            {
                RedisValue[] reply = await pending[i];
                var fields = new string?[reply.Length];
                for (int f = 0; f < fields.Length; f++) fields[f] = reply[f];
                states[i] = Parse(fields);
                scopeIds[i] = string.IsNullOrEmpty(fields[5]) ? null : fields[5]; // StateFields' last
            }
            await ResolveScopesAsync(states, scopeIds);
            Store(loads, states, generation, nowMs);
            for (int i = 0; i < loads.Count; i++) loads[i].Done.TrySetResult(states[i]);
        }
        catch (Exception ex)
        {
            // Every request waiting for these reads gets the failure (a Redis error answers 503) and the next miss retries.
            foreach (Load load in loads) load.Done.TrySetException(ex);
        }
        finally
        {
            // Only this load's own entries: an invalidation may already have removed them and a newer load taken the ids.
            foreach (Load load in loads) _inFlight.TryRemove(new KeyValuePair<Guid, Task<SubscriptionState>>(load.Id, load.Done.Task));
        }
    }

    /// <summary>
    /// Gives each state the scope its hash names: from memory when this id was read before (a scope's text never
    /// changes), else one pipelined GET per distinct unknown id. A scope whose key is missing, malformed or not the
    /// text its id was drawn from stays <see cref="SubscriptionScope.Empty"/> and is not remembered: the reconciler
    /// republishes it, and the change notice that follows drops the state that named it.
    /// </summary>
    private async Task ResolveScopesAsync(SubscriptionState[] states, string?[] scopeIds)
    {
        Dictionary<string, Task<RedisValue>>? reads = null;
        foreach (string? id in scopeIds)
        {
            if (id is null || _scopes.ContainsKey(id) || (reads?.ContainsKey(id) ?? false)) continue;
            (reads ??= new(StringComparer.Ordinal))[id] = redis.StringGetAsync(RedisKeys.Scope(id));
        }
        if (reads is not null)
        {
            if (_scopes.Count + reads.Count > MaxScopes) _scopes.Clear();
            foreach ((string id, Task<RedisValue> read) in reads)
            {
                string? text = await read;
                if (text is not null && SubscriptionScope.TryParse(text, out SubscriptionScope scope) && SubscriptionScope.IdOf(text) == id)
                {
                    // The first instance stays: loads running at once read the same id, and the states of both must share
                    // one object, because the decide stage's verdicts (ScopeVerdicts) know a scope by identity. With one
                    // instance per load, a warm-up under 256 concurrent batches left dozens of copies of each scope, each
                    // with its own link table, and most access events missed the verdicts for a cold table lookup.
                    _scopes.TryAdd(id, scope);
                }
            }
        }
        for (int i = 0; i < states.Length; i++)
        {
            if (scopeIds[i] is { } id && _scopes.TryGetValue(id, out SubscriptionScope? scope))
            {
                states[i] = states[i] with { Scope = scope };
            }
        }
    }

    private void Store(List<Load> loads, SubscriptionState[] states, long generation, long nowMs)
    {
        // The callers use what was loaded either way (they raced the change, and the change may be a moment older); only
        // the cache must not keep a value an invalidation has overtaken.
        if (Volatile.Read(ref _generation) != generation) return;
        var ids = new Guid[loads.Count];
        var stored = new SubscriptionTable.Entry[loads.Count];
        for (int i = 0; i < loads.Count; i++)
        {
            ids[i] = loads[i].Id;
            // The usage counter's name and its period are made here, once per load, rather than for every report that
            // counts on it (a calendar period's bounds take several AddMonths).
            SubscriptionState state = states[i];
            long start = state.PeriodStart(nowMs);
            long end = state.Period is { } p ? p.PeriodEnd(state.ResetAnchorMs, nowMs) : long.MaxValue;
            byte[] usageKey = Encoding.UTF8.GetBytes(RedisKeys.Usage(loads[i].Id, start, options.BucketCount));
            stored[i] = SubscriptionTable.Entry.Of(state, nowMs, usageKey, start, end);
        }
        _entries.SetAll(ids, stored);
        if (Volatile.Read(ref _generation) != generation)
        {
            // An invalidation ran while storing: remove what this load put there (not a newer load's values).
            _entries.RemoveAllIfSame(ids, stored);
        }
    }

    /// <summary>Parses the state hash, all but its scope; a malformed field counts as absent rather than failing ingestion.</summary>
    internal static SubscriptionState Parse(string?[] f)
    {
        if (f[0] is null && f[1] is null && f[2] is null && f[3] is null) return SubscriptionState.Unrestricted;
        long? max = long.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out long m) ? m : null;
        long? expires = long.TryParse(f[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long x) ? x : null;
        bool suspended = f[2] == "1";
        ResetPeriod? period = ResetPeriod.TryParse(f[3], out ResetPeriod p, out _) ? p : null;
        long anchor = long.TryParse(f[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long a) ? a : 0;
        return new SubscriptionState(max, expires, suspended, period, anchor);
    }

    public void Invalidate(Guid subscriptionId)
    {
        // Bumped before the removal: a load that stores after this removal sees the new generation and takes its value back.
        Interlocked.Increment(ref _generation);
        _entries.Remove(subscriptionId);
        // A request that misses from now on must read the new hash, not join a read that may predate the change.
        _inFlight.TryRemove(subscriptionId, out _);
    }

    public void InvalidateAll()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
        _inFlight.Clear();
    }

    /// <summary>One id's read, shared by every request that missed it while it was under way.</summary>
    private sealed class Load(Guid id)
    {
        public Guid Id { get; } = id;
        public TaskCompletionSource<SubscriptionState> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
