namespace Vpn.Perf.Shared.Wire.TrafficReport;

/// <summary>
/// Where a <see cref="TrafficBatchReader"/> stopped, so a new reader over the next buffer of the same body can go on
/// (the <c>Utf8JsonReader</c>/<c>JsonReaderState</c> idea). <c>default</c> is the start of a batch.
/// </summary>
public readonly struct TrafficBatchReaderState
{
    internal TrafficBatchReaderState(TrafficBatchStage stage, int count, int remaining, int trailingFields, long offset)
    {
        Stage = stage;
        Count = count;
        RemainingItems = remaining;
        TrailingFields = trailingFields;
        Offset = offset;
    }

    /// <summary>What the reader expects next.</summary>
    public TrafficBatchStage Stage { get; }

    /// <summary>Absolute offset in the body of the next unread byte.</summary>
    public long Offset { get; }

    /// <summary>Items still to read in the current reports or access array.</summary>
    public int RemainingItems { get; }

    // Items declared by the current array, to number records in error messages.
    internal int Count { get; }

    // Batch array fields beyond version 1's, skipped by TryReadEnd.
    internal int TrailingFields { get; }
}
