using StackExchange.Redis;
using StackExchange.Redis.Profiling;
using Vpn.Perf.Api.Redis;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Redis;

/// <summary>The live-usage reads that every config fetch makes share round trips without mixing up their answers.</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class LiveUsageTests
{
    [Fact]
    public async Task ReadAsync_ConcurrentReadsOfKeysInEveryBucket_EachGetsItsOwnKeysValue()
    {
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        var usage = new LiveUsage(redis, Buckets.DefaultCount);
        UsageKey[] keys = KeysOf(usage, 300);
        // Every key its own value; some never counted (0), one that Ingest would never write (read as 0, not a failure).
        for (int i = 0; i < keys.Length; i++)
        {
            if (i % 7 == 0) continue;
            await redis.StringSetAsync(keys[i].Key, i % 50 == 1 ? "not a number" : (1_000_000L * i).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        try
        {
            Task<long>[] reads = new Task<long>[keys.Length];
            for (int i = 0; i < keys.Length; i++) reads[i] = usage.ReadAsync(keys[i]);
            long[] used = await Task.WhenAll(reads);

            for (int i = 0; i < keys.Length; i++)
            {
                Assert.Equal(i % 7 == 0 || i % 50 == 1 ? 0 : 1_000_000L * i, used[i]);
            }
        }
        finally
        {
            foreach (UsageKey key in keys) await redis.KeyDeleteAsync(key.Key);
        }
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task ReadAsync_ReadsArrivingWhileOneIsInFlight_GoTogetherInOneMget()
    {
        await using var proxy = new TcpFaultProxy(TestServers.RedisEndPoint.Host, TestServers.RedisEndPoint.Port);
        await using ConnectionMultiplexer connection = await RedisConnectorFor(proxy.Port);
        var session = new ProfilingSession();
        connection.RegisterProfiler(() => session);
        IDatabase redis = connection.GetDatabase();
        var usage = new LiveUsage(redis, Buckets.DefaultCount);
        UsageKey[] keys = KeysOf(usage, 50);
        for (int i = 0; i < keys.Length; i++) await redis.StringSetAsync(keys[i].Key, i + 1);
        try
        {
            session.FinishProfiling();

            // The first read goes out at once; its answer is held, so the other 49 arrive while it is in flight.
            proxy.PauseReplies();
            var reads = new Task<long>[keys.Length];
            for (int i = 0; i < keys.Length; i++) reads[i] = usage.ReadAsync(keys[i]);
            Assert.DoesNotContain(reads, r => r.IsCompleted);
            proxy.Resume();
            long[] used = await Task.WhenAll(reads);

            for (int i = 0; i < keys.Length; i++) Assert.Equal(i + 1, used[i]);
            string[] sent = [.. session.FinishProfiling().Select(c => c.Command).Where(c => c is "GET" or "MGET")];
            Assert.Equal(["GET", "MGET"], sent);
        }
        finally
        {
            proxy.Resume();
            await using ConnectionMultiplexer direct = await TestServers.ConnectRedisAsync();
            foreach (UsageKey key in keys) await direct.GetDatabase().KeyDeleteAsync(key.Key);
        }
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task ReadAsync_RedisUnreachable_EveryWaitingReadFailsAsARedisFailure_AndTheNextRoundWorks()
    {
        await using var proxy = new TcpFaultProxy(TestServers.RedisEndPoint.Host, TestServers.RedisEndPoint.Port);
        await using ConnectionMultiplexer connection = await RedisConnectorFor(proxy.Port);
        IDatabase redis = connection.GetDatabase();
        var usage = new LiveUsage(redis, Buckets.DefaultCount);
        UsageKey[] keys = KeysOf(usage, 20);
        Assert.Equal(0, await usage.ReadAsync(keys[0]));

        proxy.PauseReplies();
        var reads = new Task<long>[keys.Length];
        for (int i = 0; i < keys.Length; i++) reads[i] = usage.ReadAsync(keys[i]);
        proxy.Block();
        foreach (Task<long> read in reads)
        {
            Exception failure = await Assert.ThrowsAnyAsync<Exception>(() => read);
            Assert.True(RedisFailure.Is(failure), failure.ToString());
        }

        // A later read starts a round of its own: the failed one left nothing behind that would hold it.
        proxy.Unblock();
        proxy.Resume();
        await Features.StateSync.SyncTest.UntilAsync(() => Task.FromResult(connection.IsConnected), "the connection to come back");
        long[] after = await Task.WhenAll(keys.Select(usage.ReadAsync));
        Assert.All(after, used => Assert.Equal(0, used));
    }

    private static UsageKey[] KeysOf(LiveUsage usage, int count)
    {
        var keys = new UsageKey[count];
        for (int i = 0; i < count; i++) keys[i] = usage.KeyOf(Guid.NewGuid(), new SubscriptionState(null, null, false, null, 0), 0);
        return keys;
    }

    private static Task<ConnectionMultiplexer> RedisConnectorFor(int port)
        => Vpn.Perf.Shared.Redis.RedisConnector.ConnectAsync(TestServers.RedisFor(port));
}
