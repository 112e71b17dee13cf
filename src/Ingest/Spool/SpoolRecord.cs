namespace Vpn.Perf.Ingest.Spool;

/// <summary>One record handed to the consumer by <see cref="SpoolReader.TryRead"/>.</summary>
/// <remarks><see cref="Payload"/> points into the reader's pooled buffer: it is valid only until the next call to
/// <see cref="SpoolReader.TryRead"/> or <see cref="SpoolReader.WaitToReadAsync"/>, or until the reader is disposed.
/// Parse or copy it before reading on.</remarks>
internal readonly struct SpoolRecord(Guid nodeId, ulong seq, long receivedAtMs, ReadOnlyMemory<byte> payload, ReadOnlyMemory<byte> verdicts, SpoolPosition position, SpoolPosition end)
{
    public Guid NodeId { get; } = nodeId;

    public ulong Seq { get; } = seq;

    public long ReceivedAtMs { get; } = receivedAtMs;

    /// <summary>The request body as received (without the verdict trailer).</summary>
    public ReadOnlyMemory<byte> Payload { get; } = payload;

    /// <summary>The verdict bitmap made at acceptance (<see cref="SpoolFormat"/>); empty when every item was accepted.
    /// Same lifetime as <see cref="Payload"/>.</summary>
    public ReadOnlyMemory<byte> Verdicts { get; } = verdicts;

    /// <summary>Where the record starts (the position <see cref="DurableSpool.AppendAsync(Guid, ulong, long, System.Buffers.ReadOnlySequence{byte}, ReadOnlySpan{byte}, CancellationToken)"/> returned for it).</summary>
    public SpoolPosition Position { get; } = position;

    /// <summary>Where the next record starts. Pass this to <see cref="SpoolReader.CommitAsync"/> once this record
    /// (and every record before it) is safely downstream.</summary>
    public SpoolPosition End { get; } = end;
}
