using System.Buffers.Binary;

namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// Puts a flush's traffic rows in the order of <c>traffic</c>'s sorting key, (subscription_id, interval_start), for the
/// insert. A MergeTree insert whose block is already in key order is not sorted again, nor is each of its columns
/// permuted (ClickHouse counts it in <c>MergeTreeDataWriterBlocksAlreadySorted</c>): that sort was a quarter of the
/// server's CPU per row (docs/perf.md, cost 16). The rows stay where the encoder wrote them, batch by batch, since a
/// retry that leaves out landed batches needs them so; this holds their offsets in key order, its arrays reused from
/// flush to flush. A server that ordered differently would only sort the block itself: nothing stored depends on it.
/// </summary>
internal sealed class TrafficRowOrder
{
    private Key[] _keys = [];
    private int[] _offsets = [];
    private int _count;

    public void Clear() => _count = 0;

    /// <summary>Adds the traffic rows of <paramref name="rows"/>[<paramref name="start"/>..<paramref name="end"/>] (whole rows).</summary>
    public void Add(ReadOnlySpan<byte> rows, int start, int end)
    {
        int needed = _count + ((end - start) / TrafficTables.TrafficRowBytes);
        if (needed > _keys.Length)
        {
            int size = Math.Max(needed, 2 * _keys.Length);
            Array.Resize(ref _keys, size);
            _offsets = new int[size];
        }
        for (int offset = start; offset < end; offset += TrafficTables.TrafficRowBytes)
            _keys[_count++] = Key.Of(rows.Slice(offset, TrafficTables.TrafficRowBytes), offset);
    }

    /// <summary>The offsets of the added rows in key order, valid until the next <see cref="Clear"/>.</summary>
    public ReadOnlyMemory<int> Sort()
    {
        Span<Key> keys = _keys.AsSpan(0, _count);
        keys.Sort();
        for (int i = 0; i < keys.Length; i++) _offsets[i] = keys[i].Offset;
        return _offsets.AsMemory(0, _count);
    }

    /// <summary>
    /// ClickHouse compares a UUID as two unsigned 64-bit halves, its last 8 bytes (RFC 9562 order) before its first 8
    /// (checked against the server's own ORDER BY in TrafficRowOrderTests). RowBinary holds each half little-endian, the
    /// first half first.
    /// </summary>
    private readonly struct Key(ulong idLastHalf, ulong idFirstHalf, uint intervalStart, int offset) : IComparable<Key>
    {
        private readonly ulong _idLastHalf = idLastHalf;
        private readonly ulong _idFirstHalf = idFirstHalf;
        private readonly uint _intervalStart = intervalStart;

        public int Offset { get; } = offset;

        public static Key Of(ReadOnlySpan<byte> row, int offset)
        {
            ReadOnlySpan<byte> id = row.Slice(TrafficTables.TrafficSubscriptionOffset, RowBinarySizes.Uuid);
            return new Key(
                BinaryPrimitives.ReadUInt64LittleEndian(id[RowBinarySizes.UInt64..]),
                BinaryPrimitives.ReadUInt64LittleEndian(id),
                BinaryPrimitives.ReadUInt32LittleEndian(row[TrafficTables.TrafficIntervalStartOffset..]),
                offset);
        }

        public int CompareTo(Key other)
        {
            if (_idLastHalf != other._idLastHalf) return _idLastHalf < other._idLastHalf ? -1 : 1;
            if (_idFirstHalf != other._idFirstHalf) return _idFirstHalf < other._idFirstHalf ? -1 : 1;
            return _intervalStart.CompareTo(other._intervalStart);
        }
    }
}
