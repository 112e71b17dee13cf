using StackExchange.Redis;

namespace Vpn.Perf.Testing;

/// <summary>
/// How a test class (or test) isolates its Redis keys, on one server or on a Cluster (which has only database 0): a
/// prefix of its own, given to the service under test as <c>Redis:KeyPrefix</c>. Compiled into each test project that
/// needs it (linked from tests/Shared).
/// </summary>
internal static class TestKeyPrefix
{
    /// <summary><paramref name="owner"/> and a random part, so a rerun never meets keys an earlier run left behind.</summary>
    public static string For(string owner) => $"t:{owner}:{Guid.NewGuid().ToString("N")[..12]}:";

    /// <summary>
    /// Deletes every key under <paramref name="prefix"/> on every primary (found by <c>SCAN</c>), one key per <c>DEL</c>:
    /// a Cluster refuses a DEL whose keys are in different slots.
    /// </summary>
    public static async Task DeleteKeysAsync(IConnectionMultiplexer connection, string prefix)
    {
        IDatabase raw = connection.GetDatabase();
        var deletes = new List<Task>();
        foreach (IServer server in connection.GetServers())
        {
            if (server.IsReplica) continue;
            await foreach (RedisKey key in server.KeysAsync(pattern: prefix + "*", pageSize: 1000)) deletes.Add(raw.KeyDeleteAsync(key));
        }
        await Task.WhenAll(deletes);
    }
}
