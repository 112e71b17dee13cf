using System.Runtime.InteropServices;
using StackExchange.Redis;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The usage keys the calls name: for each (subscription, period) its encoded name, kept across calls, and the slot it
/// has in the call being built. One build uses a table at a time: the applier's loop has one, and the rare build that
/// sends a call again without some portions makes its own.
/// </summary>
/// <remarks>
/// The names are why the table outlives a call: rounds name the same keys again and again, and encoding each distinct
/// key of every call afresh (32 hex digits, the period, a new array) was half of what Ingest allocated end to end
/// (dotnet-trace, 2026-12-07). A call takes a new stamp instead of clearing the slots, so a slot counts only under
/// the stamp of the call being built. Past <see cref="MaxKeys"/> entries (ended periods, subscriptions gone) the table
/// starts again empty.
/// </remarks>
internal sealed class UsageKeyTable(UsageKeyNames names)
{
    /// <summary>The most keys held (about 130 bytes each).</summary>
    public const int MaxKeys = 1 << 18;

    private readonly Dictionary<UsageCall.UsageKey, Entry> _entries = [];
    private int _call;

    /// <summary>Starts building a call; returns its stamp.</summary>
    public int BeginCall()
    {
        if (_entries.Count >= MaxKeys || _call == int.MaxValue)
        {
            _entries.Clear();
            _call = 0;
        }
        return ++_call;
    }

    /// <summary>
    /// The entry of <paramref name="key"/> (a usage key of <paramref name="bucket"/>), its name filled in. Valid until the
    /// next call of this method.
    /// </summary>
    public ref Entry Find(UsageCall.UsageKey key, int bucket)
    {
        ref Entry entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, key, out bool exists);
        if (!exists) entry.Name = names.Usage(bucket, key);
        return ref entry;
    }

    /// <summary>A key's name, and its slot in the call whose stamp is <see cref="Call"/>.</summary>
    internal struct Entry
    {
        public RedisKey Name;
        public int Call;
        public int Slot;
    }
}
