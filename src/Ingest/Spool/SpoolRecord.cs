namespace Vpn.Perf.Ingest.Spool;

/// <summary>One record handed to the consumer by <see cref="SpoolReader.TryRead"/>.</summary>
/// <remarks><see cref="Payload"/> points into the reader's pooled buffer: it is valid only until the next call to
/// <see cref="SpoolReader.TryRead"/> or <see cref="SpoolReader.WaitToReadAsync"/>, or until the reader is disposed.
/// Parse or copy it before reading on.</remarks>
internal readonly struct SpoolRecord(Guid nodeId, ulong seq, long receivedAtMs, ReadOnlyMemory<byte> payload, SpoolPosition position, SpoolPosition end)
{
    public Guid NodeId { get; } = nodeId;

    public ulong Seq { get; } = seq;

    public long ReceivedAtMs { get; } = receivedAtMs;

    public ReadOnlyMemory<byte> Payload { get; } = payload;

    /// <summary>Where the record starts (the position <see cref="DurableSpool.AppendAsync"/> returned for it).</summary>
    public SpoolPosition Position { get; } = position;

    /// <summary>Where the next record starts. Pass this to <see cref="SpoolReader.CommitAsync"/> once this record
    /// (and every record before it) is safely downstream.</summary>
    public SpoolPosition End { get; } = end;
}
