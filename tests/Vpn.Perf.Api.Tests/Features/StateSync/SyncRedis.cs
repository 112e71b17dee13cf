using StackExchange.Redis;
using Vpn.Perf.Shared.Redis;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Features.StateSync;

/// <summary>
/// A state sync test's connection to the test Redis (one server or a Cluster), seen through a key prefix that the Api
/// under test is given too (<see cref="SyncTest.Settings"/>), so the test reads what that Api wrote and nothing else.
/// </summary>
internal sealed class SyncRedis(ConnectionMultiplexer connection, string keyPrefix) : IAsyncDisposable
{
    public string KeyPrefix => keyPrefix;

    /// <summary>The prefixed view; the Api's own database is the same view (<c>Redis:KeyPrefix</c>).</summary>
    public IDatabase GetDatabase() => RedisConnector.Database(connection, keyPrefix);

    /// <summary>Deletes every key under the prefix on every primary (as a flush or a restart without persistence would).</summary>
    public Task FlushAsync() => TestKeyPrefix.DeleteKeysAsync(connection, keyPrefix);

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
