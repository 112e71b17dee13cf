using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The state cache's table: open addressing with linear probing, the subscription id and the cached values inline in
/// each slot, so a lookup reads one slot where a <c>ConcurrentDictionary</c> reads a bucket and then a node elsewhere
/// in memory. Every report and every access event does a lookup, across tens of thousands of subscriptions, and the
/// request path has usually pushed the table out of the CPU's caches since the last batch: each memory access saved
/// is a cache miss saved (the dictionary's second one was most of what the scope check of access events cost).
/// Readers take no lock; writers (loads and invalidations, thousands a second at most) take one.
/// </summary>
/// <remarks>
/// Lock-free reads are safe because, within one array, a slot's key never changes once written: a new id claims an
/// empty slot, and removal clears only the values (<see cref="NotHeld"/>). A reader reads the time (acquire) before the
/// key and values, and a writer writes the time (release) after them, so a reader never pairs one subscription's id
/// with another's values. What a reader can see is a miss for an entry being written or rebuilt elsewhere, or the
/// values an invalidation is clearing at that instant; a miss only costs a load, and the latter is a read that
/// happened just before the invalidation. A probe stops at a slot without a key: keys are never removed, so every
/// slot between an entry's home and the entry stays keyed. The array is rebuilt from the live entries when keyed
/// slots fill half of it, and swapped in whole.
/// </remarks>
internal sealed class SubscriptionTable
{
    private const int MinCapacity = 1024;
    // The time of a cleared slot. A claimed slot whose values are not yet written still reads 0: its values are the
    // ones being stored for its own key, so a reader that finds them there may use them.
    private const long NotHeld = long.MinValue;

    private readonly Lock _write = new();
    private Slot[] _slots = new Slot[MinCapacity];
    private int _keyed;
    private int _live;

    public int Count => Volatile.Read(ref _live);

    public bool TryGet(Guid id, [MaybeNullWhen(false)] out SubscriptionState state, out long fetchedAtMs)
    {
        ref Slot slot = ref Find(Volatile.Read(ref _slots), id, out fetchedAtMs);
        // Read once: an invalidation may be clearing the slot right now.
        state = Unsafe.IsNullRef(ref slot) ? null : slot.State;
        return state is not null;
    }

    public bool TryGetScope(Guid id, [MaybeNullWhen(false)] out SubscriptionScope scope, out long fetchedAtMs)
    {
        ref Slot slot = ref Find(Volatile.Read(ref _slots), id, out fetchedAtMs);
        scope = Unsafe.IsNullRef(ref slot) ? null : slot.Scope;
        return scope is not null;
    }

    /// <summary>Stores <paramref name="state"/> (and its scope) for <paramref name="id"/>, replacing what was there.</summary>
    public void Store(Guid id, SubscriptionState state, long fetchedAtMs)
    {
        lock (_write)
        {
            Slot[] slots = _slots;
            int mask = slots.Length - 1;
            int i = id.GetHashCode() & mask;
            while (slots[i].Key != id && slots[i].Key != default) i = (i + 1) & mask;
            if (slots[i].Key == default)
            {
                if ((_keyed + 1) * 2 > slots.Length)
                {
                    Rebuild(Math.Max(MinCapacity, (int)BitOperations.RoundUpToPowerOf2((uint)(_live + 1) * 4)));
                    Store(id, state, fetchedAtMs);
                    return;
                }
                slots[i].Key = id;
                _keyed++;
            }
            if (slots[i].FetchedAtMs == NotHeld || slots[i].State is null) _live++;
            slots[i].State = state;
            slots[i].Scope = state.Scope;
            Volatile.Write(ref slots[i].FetchedAtMs, fetchedAtMs);
        }
    }

    /// <summary>Clears <paramref name="id"/>'s entry; when <paramref name="only"/> is given, only if it still holds that state.</summary>
    public void Remove(Guid id, SubscriptionState? only = null)
    {
        lock (_write)
        {
            ref Slot slot = ref Find(_slots, id, out _);
            if (Unsafe.IsNullRef(ref slot) || (only is not null && !ReferenceEquals(slot.State, only))) return;
            // The time first: a reader that reads it after this write treats the slot as cleared whatever it then reads.
            Volatile.Write(ref slot.FetchedAtMs, NotHeld);
            slot.State = null;
            slot.Scope = null;
            _live--;
        }
    }

    public void Clear()
    {
        lock (_write)
        {
            Volatile.Write(ref _slots, new Slot[MinCapacity]);
            _keyed = 0;
            _live = 0;
        }
    }

    /// <summary>The live slot of <paramref name="id"/>, or a null reference.</summary>
    private static ref Slot Find(Slot[] slots, Guid id, out long fetchedAtMs)
    {
        int mask = slots.Length - 1;
        int i = id.GetHashCode() & mask;
        for (int probes = 0; probes <= mask; probes++)
        {
            ref Slot slot = ref slots[i];
            long at = Volatile.Read(ref slot.FetchedAtMs);
            Guid key = slot.Key;
            if (key == id)
            {
                fetchedAtMs = at;
                return ref at == NotHeld || slot.State is null ? ref Unsafe.NullRef<Slot>() : ref slot;
            }
            if (key == default) break;
            i = (i + 1) & mask;
        }
        fetchedAtMs = 0;
        return ref Unsafe.NullRef<Slot>();
    }

    private void Rebuild(int capacity)
    {
        Slot[] old = _slots;
        var slots = new Slot[capacity];
        int mask = capacity - 1, live = 0;
        foreach (ref readonly Slot s in old.AsSpan())
        {
            if (s.Key == default || s.FetchedAtMs == NotHeld || s.State is null) continue;
            int i = s.Key.GetHashCode() & mask;
            while (slots[i].Key != default) i = (i + 1) & mask;
            slots[i] = s;
            live++;
        }
        Volatile.Write(ref _slots, slots);
        _keyed = live;
        _live = live;
    }

    private struct Slot
    {
        public Guid Key;
        public SubscriptionState? State;
        // Beside the state rather than read through it: an access event needs only the scope.
        public SubscriptionScope? Scope;
        public long FetchedAtMs;
    }
}
