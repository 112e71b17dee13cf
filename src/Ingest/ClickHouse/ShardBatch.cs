namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>Where one pending batch's rows sit in one shard's insert buffers (empty ranges: none of its rows go there).</summary>
internal readonly record struct ShardBatch(int TrafficStart, int TrafficEnd, int TrafficRows, int AccessStart, int AccessEnd, int AccessRows);
