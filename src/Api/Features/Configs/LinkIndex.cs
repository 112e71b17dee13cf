using System.Collections.Concurrent;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// Every subscription's config URL token -> its id, in memory, so <c>GET /s/{token}</c> answers an unknown (or
/// rotated, or malformed) token from a dictionary lookup: no query, no time that depends on the database, and no way
/// to make the Api query Postgres with made-up tokens. <see cref="ConfigChangeListener"/> loads it whole after each
/// LISTEN (it is <see cref="IsReady"/> from then until the connection is lost) and applies the <c>link_changed</c>
/// notifications of migration 0009; the Api's own writes (rotation, creation) apply theirs at once after their commit,
/// so this instance never serves a rotated token after the rotate call has returned.
/// <para>
/// Memory: about 200 bytes per subscription (a 24-byte key, its id and the concurrent dictionary's node, ~80 B; the
/// id -> token side, ~56 B; plus array slack): ~20 MB for 100 000 subscriptions, ~200 MB for a million.
/// </para>
/// <para>
/// Writes are rare and serialised by a lock; each carries the row's <c>version</c> (a rotation bumps it), and one
/// older than what is held is ignored, so a late local apply cannot bring back a token the listener already replaced.
/// </para>
/// </summary>
internal sealed class LinkIndex
{
    private readonly Lock _gate = new();
    private volatile ConcurrentDictionary<LinkToken, Guid> _ids = new();
    private Dictionary<Guid, Entry> _entries = [];
    private volatile bool _ready;

    /// <summary>True while the map is complete and kept current; until then the loader asks Postgres per token.</summary>
    public bool IsReady => _ready;

    public int Count => _ids.Count;

    /// <summary>
    /// The lookup of a presented token. A dictionary keyed by the token compares it only with the entries of its
    /// bucket, whose choice the caller cannot steer (<see cref="LinkToken.GetHashCode"/>), by a comparison with no
    /// early exit; nothing else ever compares presented tokens with stored ones.
    /// </summary>
    public bool TryGetId(LinkToken token, out Guid id) => _ids.TryGetValue(token, out id);

    /// <summary>Swaps in a complete map (read after LISTEN was in place) and marks the index ready.</summary>
    public void Replace(Snapshot snapshot)
    {
        lock (_gate)
        {
            _ids = snapshot.Ids;
            _entries = snapshot.Entries;
            _ready = true;
        }
    }

    /// <summary>Off and empty: called when the LISTEN connection is lost, since changes in between would be missed.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _ready = false;
            _ids = new ConcurrentDictionary<LinkToken, Guid>();
            _entries = [];
        }
    }

    /// <summary>
    /// The subscription's current token, as read or written at <paramref name="version"/>. Ignored while the index
    /// is not ready (the next load reads it) and when a newer version is already held.
    /// </summary>
    public void Set(Guid id, string token, long version)
    {
        if (!LinkToken.TryParse(token, out LinkToken key) || key.IsNone) return; // cannot be presented, so need not be found
        lock (_gate)
        {
            if (!_ready) return;
            if (_entries.TryGetValue(id, out Entry held))
            {
                if (held.Version > version) return;
                if (held.Token != key) _ids.TryRemove(held.Token, out _);
            }
            _entries[id] = new Entry(key, version);
            _ids[key] = id;
        }
    }

    /// <summary>The subscription is gone (ids are never reused, so nothing can be older than this).</summary>
    public void Remove(Guid id)
    {
        lock (_gate)
        {
            if (_entries.Remove(id, out Entry held)) _ids.TryRemove(held.Token, out _);
        }
    }

    internal readonly record struct Entry(LinkToken Token, long Version);

    /// <summary>A complete map being read, private to the listener until <see cref="Replace"/>.</summary>
    internal sealed class Snapshot
    {
        internal ConcurrentDictionary<LinkToken, Guid> Ids { get; } = new();

        internal Dictionary<Guid, Entry> Entries { get; } = [];

        public void Add(Guid id, string token, long version)
        {
            if (!LinkToken.TryParse(token, out LinkToken key) || key.IsNone) return;
            Entries[id] = new Entry(key, version);
            Ids[key] = id;
        }
    }
}
