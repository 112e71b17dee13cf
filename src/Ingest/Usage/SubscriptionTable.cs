using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The state cache's table: open addressing with linear probing, the subscription id and the cached values inline in
/// each slot of one array, so that a batch can ask the CPU for the slots of its next ids (<see cref="Prefetch"/>) while
/// it checks the current one. Every report and every access event does a lookup across tens of thousands of
/// subscriptions, and the request path has usually pushed the table out of the CPU's caches since the last batch:
/// a <c>ConcurrentDictionary</c> lookup is then a cache miss (its node) that the next lookup cannot start before,
/// which made the scope check of access events a quarter of Ingest's CPU on the HTTP path (docs/perf.md). Prefetched
/// misses overlap instead of queueing.
/// </summary>
/// <remarks>
/// Readers take no lock; writers (loads and invalidations, thousands a second at most) take one. Each slot carries a
/// version that a writer makes odd before it touches the slot and even again after (a sequence lock): a reader that
/// sees an odd version, or a different version after reading the slot, treats the lookup as a miss, which only costs a
/// load from Redis. So a reader never pairs one subscription's id with another's values or reads half a write. A probe
/// stops at a slot that never held a key; removal clears only the values, so every slot between an entry's home and
/// the entry stays keyed. The array is rebuilt from the live entries when keyed slots fill half of it, and swapped in
/// whole. Ids come from nodes, so the home slot is drawn from all 128 bits with this process's random seed
/// (<see cref="HashCode"/>): chosen ids cannot pile onto one probe run.
/// </remarks>
internal sealed class SubscriptionTable
{
    private const int MinCapacity = 1024;

    private readonly Lock _write = new();
    private Slot[] _slots = new Slot[MinCapacity];
    private int _keyed;
    private int _live;

    public int Count => Volatile.Read(ref _live);

    public bool TryGet(Guid id, [MaybeNullWhen(false)] out SubscriptionState state, [MaybeNullWhen(false)] out SubscriptionScope scope, out long fetchedAtMs)
    {
        Slot[] slots = Volatile.Read(ref _slots);
        int mask = slots.Length - 1;
        int i = Home(id, mask);
        for (int probes = 0; probes <= mask; probes++)
        {
            ref Slot slot = ref slots[i];
            int version = Volatile.Read(ref slot.Version);
            Guid key = slot.Key;
            state = slot.State;
            scope = slot.Scope;
            fetchedAtMs = slot.FetchedAtMs;
            Volatile.ReadBarrier();
            if ((version & 1) != 0 || slot.Version != version) break; // a writer is in this slot: a miss
            if (key == id) return state is not null && scope is not null;
            if (key == default) break;
            i = (i + 1) & mask;
        }
        state = null;
        scope = null;
        fetchedAtMs = 0;
        return false;
    }

    /// <summary>
    /// Asks the CPU to bring <paramref name="id"/>'s home slot into its cache without waiting for it: a batch calls this
    /// some ids ahead of the one it looks up. A hint only: a table swapped meanwhile or a longer probe costs nothing more
    /// than an ordinary lookup.
    /// </summary>
    public unsafe void Prefetch(Guid id)
    {
        if (!Sse.IsSupported) return;
        Slot[] slots = Volatile.Read(ref _slots);
        ref Slot slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(slots), Home(id, slots.Length - 1));
        // A slot can straddle two cache lines; a prefetch never faults, and the array cannot move between this read
        // of its address and the instruction in a way that matters (a stale address only wastes the hint).
        byte* first = (byte*)Unsafe.AsPointer(ref slot);
        Sse.Prefetch0(first);
        Sse.Prefetch0(first + Unsafe.SizeOf<Slot>() - 1);
    }

    /// <summary>Stores <paramref name="state"/> (and its scope) for <paramref name="id"/>, replacing what was there.</summary>
    public void Store(Guid id, SubscriptionState state, long fetchedAtMs)
    {
        lock (_write)
        {
            Slot[] slots = _slots;
            int mask = slots.Length - 1;
            int i = Home(id, mask);
            while (slots[i].Key != id && slots[i].Key != default) i = (i + 1) & mask;
            if (slots[i].Key == default && (_keyed + 1) * 2 > slots.Length)
            {
                Rebuild(Math.Max(MinCapacity, (int)BitOperations.RoundUpToPowerOf2((uint)(_live + 1) * 3)));
                Store(id, state, fetchedAtMs);
                return;
            }
            ref Slot slot = ref slots[i];
            if (slot.Key == default) _keyed++;
            if (slot.State is null) _live++;
            Write(ref slot, id, state, fetchedAtMs);
        }
    }

    /// <summary>Clears <paramref name="id"/>'s entry; when <paramref name="only"/> is given, only if it still holds that state.</summary>
    public void Remove(Guid id, SubscriptionState? only = null)
    {
        lock (_write)
        {
            Slot[] slots = _slots;
            int mask = slots.Length - 1;
            int i = Home(id, mask);
            while (slots[i].Key != id)
            {
                if (slots[i].Key == default) return;
                i = (i + 1) & mask;
            }
            ref Slot slot = ref slots[i];
            if (slot.State is null || (only is not null && !ReferenceEquals(slot.State, only))) return;
            Write(ref slot, id, null, 0);
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

    private static int Home(Guid id, int mask)
    {
        ReadOnlySpan<int> parts = MemoryMarshal.Cast<Guid, int>(new ReadOnlySpan<Guid>(in id));
        return HashCode.Combine(parts[0], parts[1], parts[2], parts[3]) & mask;
    }

    private static void Write(ref Slot slot, Guid key, SubscriptionState? state, long fetchedAtMs)
    {
        int version = slot.Version;
        Volatile.Write(ref slot.Version, version + 1);
        Volatile.WriteBarrier(); // the odd version is visible before any of the values change
        slot.Key = key;
        slot.State = state;
        slot.Scope = state?.Scope;
        slot.FetchedAtMs = fetchedAtMs;
        Volatile.Write(ref slot.Version, version + 2);
    }

    private void Rebuild(int capacity)
    {
        var slots = new Slot[capacity];
        int mask = capacity - 1, live = 0;
        foreach (ref readonly Slot s in _slots.AsSpan())
        {
            if (s.State is null) continue;
            int i = Home(s.Key, mask);
            while (slots[i].Key != default) i = (i + 1) & mask;
            slots[i] = s with { Version = 0 };
            live++;
        }
        Volatile.Write(ref _slots, slots);
        _keyed = live;
        _live = live;
    }

    private struct Slot
    {
        public int Version;
        public Guid Key;
        public SubscriptionState? State;
        // Beside the state rather than read through it: an access event needs only the scope.
        public SubscriptionScope? Scope;
        public long FetchedAtMs;
    }
}
