using System.Buffers.Binary;

namespace Vpn.Perf.Shared.Contracts;

/// <summary>
/// The stable mapping of a subscription to a Redis key bucket. Ingest and Api must agree on it, so it
/// lives here and never changes: every key of one bucket carries the hash tag <c>{b&lt;n&gt;}</c> and so
/// sits in one Redis Cluster slot, which lets one script call apply all of a batch's reports in that bucket.
/// </summary>
public static class Buckets
{
    /// <summary>
    /// The default bucket count; configurable per deployment, fixed for its lifetime. DESIGN.md proposed 64; 16 is
    /// measured faster on one Redis (a batch splits into fewer, larger script calls: see docs/perf.md, the Redis
    /// stage) and still spreads over a Redis Cluster of up to 16 primaries.
    /// </summary>
    public const int DefaultCount = 16;

    /// <summary>Returns the bucket of <paramref name="subscriptionId"/> among <paramref name="count"/> buckets.</summary>
    public static int Of(Guid subscriptionId, int count)
    {
        Span<byte> bytes = stackalloc byte[16]; // one UUID
        subscriptionId.TryWriteBytes(bytes, bigEndian: true, out _);
        // Mix both halves with the SplitMix64 finalizer: UUIDv7 ids have a time-ordered high half and
        // imported ids may not be random at all, so no single half is a fair hash on its own.
        ulong x = BinaryPrimitives.ReadUInt64BigEndian(bytes) ^ BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (int)(x % (uint)count);
    }
}
