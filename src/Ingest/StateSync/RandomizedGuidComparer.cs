using System.Runtime.InteropServices;

namespace Vpn.Perf.Ingest.StateSync;

/// <summary>
/// Guid equality with a hash drawn from all four words through <see cref="HashCode"/> (seeded at random per process), for
/// tables keyed by ids that clients choose: <see cref="Guid.GetHashCode"/> is the XOR of the words, so a client can
/// make any number of ids share one hash code.
/// </summary>
internal sealed class RandomizedGuidComparer : IEqualityComparer<Guid>
{
    public static readonly RandomizedGuidComparer Instance = new();

    private RandomizedGuidComparer()
    {
    }

    public bool Equals(Guid x, Guid y) => x == y;

    public int GetHashCode(Guid id)
    {
        ReadOnlySpan<int> words = MemoryMarshal.Cast<Guid, int>(new ReadOnlySpan<Guid>(in id));
        return HashCode.Combine(words[0], words[1], words[2], words[3]);
    }
}
