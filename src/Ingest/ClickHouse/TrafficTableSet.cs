namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// The names of the tables the Ingest inserts into and of the ledgers it reads, on one server
/// (<see cref="SingleServer"/>, schema/clickhouse) or on each shard (<see cref="ShardLocal"/>, schema/clickhouse-shards).
/// </summary>
internal sealed record TrafficTableSet(string Traffic, string AccessLog, string TrafficBatches, string AccessBatches)
{
    public static TrafficTableSet SingleServer { get; } =
        new(TrafficTables.Traffic, TrafficTables.AccessLog, TrafficTables.TrafficBatches, TrafficTables.AccessBatches);

    public static TrafficTableSet ShardLocal { get; } =
        new(TrafficTables.TrafficLocal, TrafficTables.AccessLogLocal, TrafficTables.TrafficBatchesLocal, TrafficTables.AccessBatchesLocal);
}
