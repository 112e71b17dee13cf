namespace Vpn.Perf.Ingest.Spool;

/// <summary>What the spool knows about one segment file. Mutated only under the spool's state lock.</summary>
internal sealed class SegmentState(ulong id, long durableLength, bool isSealed)
{
    public ulong Id { get; } = id;

    /// <summary>Bytes of the file that are fsynced; the reader never reads past this.</summary>
    public long DurableLength { get; set; } = durableLength;

    /// <summary>No more records will be added: the next segment exists.</summary>
    public bool IsSealed { get; set; } = isSealed;
}
