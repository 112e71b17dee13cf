namespace Vpn.Perf.Testing;

/// <summary>
/// The trait that says which Redis topologies a test class (or test) runs against. The test command runs the whole
/// suite against one Redis server with <c>--filter "RedisTopology!=Cluster"</c>, then the Ingest and Api classes that
/// touch Redis again against the Redis Cluster with
/// <c>--filter "(RedisTopology=Any|RedisTopology=Cluster)&amp;RedisTopology!=SingleServer"</c>. A test with no value
/// runs once, on the single server: it does not touch Redis. Compiled into each test project that needs it (linked from
/// tests/Shared).
/// </summary>
internal static class RedisTopology
{
    public const string Trait = "RedisTopology";

    /// <summary>Touches Redis and runs against either topology (its keys share slots by their <c>{bN}</c> tags).</summary>
    public const string Any = "Any";

    /// <summary>Needs one server: a fault proxy in front of it. Left out of the Cluster run even inside an <see cref="Any"/> class.</summary>
    public const string SingleServer = "SingleServer";

    /// <summary>Needs a Cluster (slot migration): <c>ConnectionStrings__Redis</c> names the Cluster's nodes.</summary>
    public const string Cluster = "Cluster";
}
