namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// Picks the shard of a row for <see cref="RowEncoder{TShards}"/>. A struct type argument, so the single server's
/// choice (<see cref="OneShard"/>) compiles to the constant 0 and its encoder does no more per row than before shards.
/// </summary>
internal interface IShardChoice
{
    int Of(Guid subscriptionId);
}
