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
    // 65 536 buckets: their counts (256 KiB) stay in the CPU's cache while every key is counted and placed.
    private const int BucketBits = 16;

    private Key[] _keys = [];
    private Key[] _bucketed = [];
    private int[] _offsets = [];
    private readonly int[] _bucketEnds = new int[1 << BucketBits];
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
            _bucketed = new Key[size];
            _offsets = new int[size];
        }
        for (int offset = start; offset < end; offset += TrafficTables.TrafficRowBytes)
            _keys[_count++] = Key.Of(rows.Slice(offset, TrafficTables.TrafficRowBytes), offset);
    }

    /// <summary>
    /// The offsets of the added rows in key order, valid until the next <see cref="Clear"/>. The keys are first spread
    /// over buckets by their top bits, in one pass, and then each bucket is sorted alone: a flush's half a million
    /// keys make buckets of a few dozen (subscription ids end in random bits), which a comparison sort finishes in a
    /// few steps each, where one sort of every key took nineteen (BDN: 86 → 32 ns per row).
    /// </summary>
    public ReadOnlyMemory<int> Sort()
    {
        ReadOnlySpan<Key> keys = _keys.AsSpan(0, _count);
        Span<int> ends = _bucketEnds;
        ends.Clear();
        foreach (ref readonly Key key in keys) ends[key.Bucket]++;
        for (int b = 1; b < ends.Length; b++) ends[b] += ends[b - 1];
        Span<Key> bucketed = _bucketed.AsSpan(0, _count);
        // Filled from the back, so each bucket's count of places left becomes its start, and its end is the next one's start.
        for (int i = keys.Length - 1; i >= 0; i--) bucketed[--ends[keys[i].Bucket]] = keys[i];
        for (int b = 0; b < ends.Length; b++)
        {
            int start = ends[b];
            int end = b + 1 < ends.Length ? ends[b + 1] : bucketed.Length;
            if (end - start > 1) bucketed[start..end].Sort();
        }
        for (int i = 0; i < bucketed.Length; i++) _offsets[i] = bucketed[i].Offset;
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

        /// <summary>The key's most significant bits: keys of a lower bucket come first.</summary>
        public int Bucket => (int)(_idLastHalf >> (64 - BucketBits));

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
