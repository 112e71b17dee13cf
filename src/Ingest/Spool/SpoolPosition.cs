namespace Vpn.Perf.Ingest.Spool;

/// <summary>A byte position in the spool: a segment id and a file offset inside that segment.
/// Positions order first by segment, then by offset.</summary>
internal readonly record struct SpoolPosition(ulong SegmentId, long Offset) : IComparable<SpoolPosition>
{
    public int CompareTo(SpoolPosition other)
        => SegmentId != other.SegmentId ? SegmentId.CompareTo(other.SegmentId) : Offset.CompareTo(other.Offset);

    public static bool operator <(SpoolPosition left, SpoolPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(SpoolPosition left, SpoolPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(SpoolPosition left, SpoolPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(SpoolPosition left, SpoolPosition right) => left.CompareTo(right) >= 0;

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{SegmentId}:{Offset}");
}
