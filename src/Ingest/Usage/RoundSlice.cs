namespace Vpn.Perf.Ingest.Usage;

/// <summary>A report of a round: its batch's index in the round and its index in that batch.</summary>
internal readonly record struct RoundEntry(int Batch, int Report);

/// <summary>
/// One bucket's share of a round: entries <c>[From, To)</c> of <see cref="Order"/>, grouped by batch (each group is a
/// portion of the bucket's script call); <see cref="KeyOf"/> holds, per entry, the index of its usage key in the call.
/// </summary>
internal readonly record struct RoundSlice(int Bucket, List<QueuedBatch> Round, RoundEntry[] Order, int[] KeyOf, int From, int To)
{
    public int PortionEnd(int e0)
    {
        int e1 = e0 + 1;
        while (e1 < To && Order[e1].Batch == Order[e0].Batch) e1++;
        return e1;
    }

    public QueuedBatch BatchOf(int entry) => Round[Order[entry].Batch];

    public ref PendingReport Report(int entry) => ref Round[Order[entry].Batch].Batch.Reports[Order[entry].Report];
}
