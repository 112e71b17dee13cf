using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// One shard's part of the pending flush: its RowBinary rows for <c>traffic</c> and <c>access_log</c>, and where each
/// pending batch's rows sit in them (<see cref="Batches"/>, index for index with the sink's pending batches).
/// </summary>
internal sealed class ShardBuffers(ClickHouseClient client) : IDisposable
{
    // The row counts when the batch being encoded began.
    private int _trafficRowsBefore;
    private int _accessRowsBefore;

    public ClickHouseClient Client { get; } = client;

    public PooledBufferWriter Traffic { get; } = new(1 << 20);

    public PooledBufferWriter Access { get; } = new(64 << 10);

    /// <summary>The key order of <see cref="Traffic"/>'s rows for an insert (one per shard: shards insert at once).</summary>
    public TrafficRowOrder TrafficOrder { get; } = new();

    public List<ShardBatch> Batches { get; } = [];

    /// <summary>Rows written into <see cref="Traffic"/> since the last <see cref="Reset"/> (the encoder counts them).</summary>
    public int TrafficRows { get; set; }

    /// <summary>Rows written into <see cref="Access"/> since the last <see cref="Reset"/>.</summary>
    public int AccessRows { get; set; }

    /// <summary>Ends the batch whose rows began where the previous one ended: records its rows here.</summary>
    public void Complete()
    {
        (int trafficStart, int trafficRows, int accessStart, int accessRows) = Batches.Count == 0
            ? (0, 0, 0, 0)
            : (Batches[^1].TrafficEnd, _trafficRowsBefore, Batches[^1].AccessEnd, _accessRowsBefore);
        Batches.Add(new ShardBatch(trafficStart, Traffic.WrittenCount, TrafficRows - trafficRows, accessStart, Access.WrittenCount, AccessRows - accessRows));
        _trafficRowsBefore = TrafficRows;
        _accessRowsBefore = AccessRows;
    }

    /// <summary>Drops the rows written since the last <see cref="Complete"/> (a batch that could not be decoded).</summary>
    public void Undo()
    {
        Traffic.Truncate(Batches.Count == 0 ? 0 : Batches[^1].TrafficEnd);
        Access.Truncate(Batches.Count == 0 ? 0 : Batches[^1].AccessEnd);
        TrafficRows = _trafficRowsBefore;
        AccessRows = _accessRowsBefore;
    }

    public void Reset()
    {
        Traffic.Reset();
        Access.Reset();
        Batches.Clear();
        TrafficRows = 0;
        AccessRows = 0;
        _trafficRowsBefore = 0;
        _accessRowsBefore = 0;
    }

    public void Dispose()
    {
        Traffic.Dispose();
        Access.Dispose();
    }
}
