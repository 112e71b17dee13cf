using System.Buffers.Binary;

namespace Vpn.Perf.Shared.ClickHouse;

/// <summary>
/// The sharded ClickHouse layout (docs/analytics.md, "Shards"): which shard holds a subscription's rows, and the setting
/// that lists the shards. The Ingest writes each row straight to its shard's local tables; the Distributed tables carry
/// the same function as their sharding key (schema/clickhouse-shards/0002), so a row inserted through them lands on the
/// same shard. Fixed for a deployment's lifetime: changing it (or the shard count) moves rows between shards.
/// </summary>
public static class ClickHouseShards
{
    /// <summary>Seed ClickHouse's <c>intHash64</c> XORs into its argument (CityHash's default 64-bit hash seed).</summary>
    private const ulong IntHash64Seed = 0x4CF2D2BAAE6DA887UL;

    /// <summary>
    /// The 0-based shard of <paramref name="subscriptionId"/> among <paramref name="count"/>: ClickHouse's
    /// <c>intHash64(hi XOR lo)</c> of the id's two big-endian 64-bit halves, modulo the count, which is the shard a
    /// Distributed table with equal weights picks for that key (shards in the order of <c>remote_servers</c>). Both halves
    /// go in: a UUIDv7's high half is a timestamp, and imported ids need not be random.
    /// </summary>
    public static int Of(Guid subscriptionId, int count)
    {
        Span<byte> bytes = stackalloc byte[16]; // one UUID
        subscriptionId.TryWriteBytes(bytes, bigEndian: true, out _);
        ulong x = BinaryPrimitives.ReadUInt64BigEndian(bytes) ^ BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]) ^ IntHash64Seed;
        // ClickHouse's intHash64 (the MurmurHash3 finalizer), as 18.16 and current versions compute it.
        x ^= x >> 33;
        x *= 0xFF51AFD7ED558CCDUL;
        x ^= x >> 33;
        x *= 0xC4CEB9FE1A85EC53UL;
        x ^= x >> 33;
        return (int)(x % (uint)count);
    }

    /// <summary>
    /// Parses <c>ConnectionStrings:ClickHouseShards</c>: the shards' connection strings (each of the form
    /// <see cref="ClickHouseOptions.Parse"/> takes) separated by <c>;</c>, in the order of the cluster's shards.
    /// </summary>
    /// <exception cref="FormatException">An entry is malformed, or fewer than two are given.</exception>
    public static IReadOnlyList<ClickHouseOptions> Parse(string connectionStrings)
    {
        ArgumentNullException.ThrowIfNull(connectionStrings);
        string[] entries = connectionStrings.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (entries.Length < 2)
            throw new FormatException($"ConnectionStrings:ClickHouseShards lists {entries.Length} shard(s); the sharded layout needs at least two, separated by ';' (leave it unset for one server).");
        var shards = new ClickHouseOptions[entries.Length];
        for (int i = 0; i < entries.Length; i++) shards[i] = ClickHouseOptions.Parse(entries[i]);
        return shards;
    }
}
