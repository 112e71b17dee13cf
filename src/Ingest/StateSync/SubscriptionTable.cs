using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.StateSync;

/// <summary>
/// The subscription states by id, in one array of slots with the id inline (open addressing, linear probing), so a
/// lookup touches one slot where a <see cref="System.Collections.Concurrent.ConcurrentDictionary{TKey,TValue}"/> walks a
/// bucket array and then a node elsewhere in the heap. Every report and access event looks up its subscription: across
/// tens of thousands of them, in a process whose request buffers keep evicting the table from the CPU's cache, those two
/// dependent misses were a fifth of Ingest's CPU on the HTTP path (docs/perf.md). <see cref="Prefetch"/> lets a caller
/// that knows its next ids start their misses while it works on the current one.
/// </summary>
/// <remarks>
/// Readers take no lock: each slot has a version, odd while a writer changes it, and a read that sees it odd or changed
/// across its copy tries again, then gives up. A lookup can therefore miss an entry that is being written or moved
/// (the caller loads it from Redis, which is always right) but never returns a value stored under another id, nor one a
/// completed removal took out. Writers are serialized by a lock; they are the loads and the change feed, rare beside the
/// lookups. Removal shifts the entries after the hole back (no tombstones), so probe chains stay as short as the load
/// factor makes them.
/// </remarks>
internal sealed class SubscriptionTable
{
    private const int InitialCapacity = 1 << 10;
    private const int ReadAttempts = 4;

    private readonly Lock _write = new();
    private Slot[] _slots = new Slot[InitialCapacity];
    private int _count;

    /// <summary>
    /// What a lookup finds: the state, what deciding a report needs of it (its scope, its limit, negative for none, and
    /// when it becomes blocked, see <see cref="SubscriptionState.BlockedFromMs"/>) copied beside it, when it was read,
    /// and the name of the subscription's usage counter (UTF-8) for the period [<paramref name="UsageKeyPeriodStart"/>,
    /// <paramref name="UsageKeyPeriodEnd"/>), the one current when it was read (null and empty: not made), so a report of
    /// that period takes the name, and the period's start, from here. The copies are what keep a lookup to its slot: the
    /// state object elsewhere in the heap was half of the decide stage's CPU, missing the cache once per report (perf,
    /// 2026-12-07).
    /// </summary>
    public readonly record struct Entry(
        SubscriptionState State, SubscriptionScope Scope, long Limit, long BlockedFromMs, long FetchedAtMs,
        byte[]? UsageKey, long UsageKeyPeriodStart, long UsageKeyPeriodEnd)
    {
        /// <summary>The entry of <paramref name="state"/>, read at <paramref name="fetchedAtMs"/>.</summary>
        public static Entry Of(SubscriptionState state, long fetchedAtMs, byte[]? usageKey = null, long usageKeyPeriodStart = 0, long usageKeyPeriodEnd = 0) =>
            new(state, state.Scope, state.MaxTraffic ?? -1, state.BlockedFromMs, fetchedAtMs, usageKey, usageKeyPeriodStart, usageKeyPeriodEnd);

        /// <summary>Whether <paramref name="nowMs"/> lies in the period the usage key was made for.</summary>
        public bool InUsageKeyPeriod(long nowMs) => nowMs >= UsageKeyPeriodStart && nowMs < UsageKeyPeriodEnd;
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Starts loading the slot where <paramref name="id"/>'s probe begins into the CPU's cache; a hint, nothing more.</summary>
    public void Prefetch(Guid id)
    {
        Slot[] slots = Volatile.Read(ref _slots);
        CacheHint.Prefetch(in slots[Home(id, slots.Length)]);
    }

    public bool TryGet(Guid id, out Entry entry)
    {
        Slot[] slots = Volatile.Read(ref _slots);
        int mask = slots.Length - 1;
        for (int i = Home(id, slots.Length), probed = 0; probed < slots.Length; i = (i + 1) & mask, probed++)
        {
            if (!TryRead(ref slots[i], out Guid key, out entry)) return false;
            if (entry.State is null) return false; // an empty slot ends the probe
            if (key == id) return true;
        }
        entry = default;
        return false;
    }

    /// <summary>Stores each <paramref name="ids"/>[i] → <paramref name="entries"/>[i], replacing what was there.</summary>
    public void SetAll(ReadOnlySpan<Guid> ids, ReadOnlySpan<Entry> entries)
    {
        lock (_write)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                if ((_count + 1) * 2 > _slots.Length) Grow();
                Slot[] slots = _slots;
                int at = Find(slots, ids[i], out bool found);
                Write(ref slots[at], ids[i], entries[i]);
                if (!found) Volatile.Write(ref _count, _count + 1);
            }
        }
    }

    /// <summary>Removes each id's entry, but only where it is still the one given (a newer store stays).</summary>
    public void RemoveAllIfSame(ReadOnlySpan<Guid> ids, ReadOnlySpan<Entry> entries)
    {
        lock (_write)
        {
            for (int i = 0; i < ids.Length; i++)
            {
                int at = Find(_slots, ids[i], out bool found);
                ref Slot slot = ref _slots[at];
                if (found && ReferenceEquals(slot.State, entries[i].State) && ReferenceEquals(slot.Scope, entries[i].Scope)
                    && slot.FetchedAtMs == entries[i].FetchedAtMs)
                {
                    RemoveAt(at);
                }
            }
        }
    }

    public void Remove(Guid id)
    {
        lock (_write)
        {
            int at = Find(_slots, id, out bool found);
            if (found) RemoveAt(at);
        }
    }

    public void Clear()
    {
        lock (_write)
        {
            // A fresh array: readers still on the old one finish against a snapshot, as with any read racing a change.
            Volatile.Write(ref _slots, new Slot[InitialCapacity]);
            Volatile.Write(ref _count, 0);
        }
    }

    private static int Home(Guid id, int capacity) => RandomizedGuidComparer.Instance.GetHashCode(id) & (capacity - 1);

    /// <summary>A consistent copy of one slot, or false when a writer kept changing it.</summary>
    private static bool TryRead(ref Slot slot, out Guid key, out Entry entry)
    {
        for (int attempt = 0; attempt < ReadAttempts; attempt++)
        {
            int version = Volatile.Read(ref slot.Version);
            key = slot.Key;
            entry = EntryOf(ref slot);
            // The copy's loads complete before the version is read again.
            Volatile.ReadBarrier();
            if ((version & 1) == 0 && Volatile.Read(ref slot.Version) == version) return true;
            Thread.SpinWait(1);
        }
        key = default;
        entry = default;
        return false;
    }

    /// <summary>Under the lock: the slot holding <paramref name="id"/>, or the empty slot where it would go.</summary>
    private static int Find(Slot[] slots, Guid id, out bool found)
    {
        int mask = slots.Length - 1;
        int i = Home(id, slots.Length);
        while (slots[i].State is not null)
        {
            if (slots[i].Key == id)
            {
                found = true;
                return i;
            }
            i = (i + 1) & mask;
        }
        found = false;
        return i;
    }

    /// <summary>Under the lock: empties slot <paramref name="hole"/> and moves back each later entry of its cluster that may fill it.</summary>
    private void RemoveAt(int hole)
    {
        Slot[] slots = _slots;
        int mask = slots.Length - 1;
        for (int next = (hole + 1) & mask; slots[next].State is not null; next = (next + 1) & mask)
        {
            int home = Home(slots[next].Key, slots.Length);
            // The entry at next may move to hole when its home is not cyclically in (hole, next].
            bool homeAfterHole = hole <= next ? hole < home && home <= next : hole < home || home <= next;
            if (homeAfterHole) continue;
            Write(ref slots[hole], slots[next].Key, EntryOf(ref slots[next]));
            hole = next;
        }
        Write(ref slots[hole], default, default);
        Volatile.Write(ref _count, _count - 1);
    }

    private void Grow()
    {
        Slot[] old = _slots;
        var grown = new Slot[old.Length * 2];
        foreach (ref readonly Slot s in old.AsSpan())
        {
            if (s.State is null) continue;
            ref Slot moved = ref grown[Find(grown, s.Key, out _)];
            moved = s;
            moved.Version = 0;
        }
        Volatile.Write(ref _slots, grown);
    }

    private static void Write(ref Slot slot, Guid key, Entry entry)
    {
        // Odd before any field changes (a full fence: the stores below cannot pass it), even again after all of them.
        int version = Interlocked.Increment(ref slot.Version);
        slot.Key = key;
        slot.State = entry.State;
        slot.Scope = entry.Scope;
        slot.Limit = entry.Limit;
        slot.BlockedFromMs = entry.BlockedFromMs;
        slot.FetchedAtMs = entry.FetchedAtMs;
        slot.UsageKey = entry.UsageKey;
        slot.UsageKeyPeriodStart = entry.UsageKeyPeriodStart;
        slot.UsageKeyPeriodEnd = entry.UsageKeyPeriodEnd;
        Volatile.Write(ref slot.Version, version + 1);
    }

    private static Entry EntryOf(ref Slot slot) =>
        new(slot.State!, slot.Scope!, slot.Limit, slot.BlockedFromMs, slot.FetchedAtMs, slot.UsageKey, slot.UsageKeyPeriodStart, slot.UsageKeyPeriodEnd);

    private struct Slot
    {
        public int Version;
        public Guid Key;
        // Null in an empty slot.
        public SubscriptionState? State;
        public SubscriptionScope? Scope;
        public long Limit;
        public long BlockedFromMs;
        public long FetchedAtMs;
        public byte[]? UsageKey;
        public long UsageKeyPeriodStart;
        public long UsageKeyPeriodEnd;
    }
}
