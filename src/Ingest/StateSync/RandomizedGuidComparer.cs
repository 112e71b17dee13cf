using System.Runtime.InteropServices;

namespace Vpn.Perf.Ingest.StateSync;

/// <summary>
/// Guid equality with a hash drawn from all 128 bits and two keys chosen at random per process, for
/// tables keyed by ids that clients choose: <see cref="Guid.GetHashCode"/> is the XOR of the words, so a client can
/// make any number of ids share one hash code.
/// </summary>
internal sealed class RandomizedGuidComparer : IEqualityComparer<Guid>
{
    public static readonly RandomizedGuidComparer Instance = new();

    private static readonly ulong Key0 = (ulong)Random.Shared.NextInt64() ^ 0xa076_1d64_78bd_642f;
    private static readonly ulong Key1 = (ulong)Random.Shared.NextInt64() ^ 0xe703_7ed1_a0b4_28db;

    private RandomizedGuidComparer()
    {
    }

    public bool Equals(Guid x, Guid y) => x == y;

    public int GetHashCode(Guid id)
    {
        // One 64×64→128-bit multiply of the halves, each keyed, folded (wyhash's mixing step), in a few cycles where
        // HashCode.Combine of the four words took a chain of multiplies per lookup (docs/perf.md). The fold alone left
        // ids that differ in a few high bytes of one half crowding a table's low bits for some keys (one process in
        // about 25 in RandomizedGuidComparerTests), so the result passes through a 64-bit finalizer (splitmix64's).
        ReadOnlySpan<ulong> halves = MemoryMarshal.Cast<Guid, ulong>(new ReadOnlySpan<Guid>(in id));
        ulong folded = Math.BigMul(halves[0] ^ Key0, halves[1] ^ Key1, out ulong low) ^ low;
        folded = (folded ^ (folded >> 30)) * 0xbf58_476d_1ce4_e5b9;
        folded = (folded ^ (folded >> 27)) * 0x94d0_49bb_1331_11eb;
        return (int)(folded ^ (folded >> 31));
    }
}
