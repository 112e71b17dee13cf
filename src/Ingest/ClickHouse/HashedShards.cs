using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>Several shards: a row goes to the shard of its subscription (<see cref="ClickHouseShards.Of"/>).</summary>
internal readonly struct HashedShards(int count) : IShardChoice
{
    public int Of(Guid subscriptionId) => ClickHouseShards.Of(subscriptionId, count);
}
