namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>One server: every row goes to shard 0.</summary>
internal readonly struct OneShard : IShardChoice
{
    public int Of(Guid subscriptionId) => 0;
}
