namespace Vpn.Perf.Testing;

/// <summary>
/// The trait that says which ClickHouse layouts a test class (or test) runs against. The test command runs the suite
/// against one ClickHouse server with <c>ClickHouseTopology!=Shards</c> in its filters, then the classes whose claims
/// touch what lands in ClickHouse (exactly once, crash and kill, outage, several instances, drain, the Api's usage reads)
/// again on two shards with <c>--filter "(ClickHouseTopology=Any|ClickHouseTopology=Shards)&amp;ClickHouseTopology!=SingleServer"</c>
/// and <c>ConnectionStrings__ClickHouseShards</c> set. A test with no value runs on the single server only. Compiled into
/// each test project that needs it (linked from tests/Shared), like <see cref="RedisTopology"/>.
/// </summary>
internal static class ClickHouseTopology
{
    public const string Trait = "ClickHouseTopology";

    /// <summary>Runs against either layout: one server, or the shards' local tables under Distributed ones.</summary>
    public const string Any = "Any";

    /// <summary>Needs one server; left out of the shards' run even inside an <see cref="Any"/> class.</summary>
    public const string SingleServer = "SingleServer";

    /// <summary>Needs the shards (a shard's own failure, where rows land): <c>ConnectionStrings__ClickHouseShards</c> lists them.</summary>
    public const string Shards = "Shards";
}
