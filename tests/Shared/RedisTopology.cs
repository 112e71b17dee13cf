namespace Vpn.Perf.Testing;

/// <summary>
/// The trait that sorts Redis-dependent test classes by the topology they need. The test command runs the Ingest and Api
/// suites twice: against one Redis server with <c>--filter "RedisTopology!=Cluster"</c>, then against the Redis Cluster
/// with <c>--filter "RedisTopology!=SingleServer"</c>; a class without the trait runs in both. Compiled into each test
/// project that needs it (linked from tests/Shared).
/// </summary>
internal static class RedisTopology
{
    public const string Trait = "RedisTopology";

    /// <summary>Needs one server: a fault proxy in front of it, or MONITOR of everything a client sent.</summary>
    public const string SingleServer = "SingleServer";

    /// <summary>Needs a Cluster (slot migration): <c>ConnectionStrings__Redis</c> names the Cluster's nodes.</summary>
    public const string Cluster = "Cluster";
}
