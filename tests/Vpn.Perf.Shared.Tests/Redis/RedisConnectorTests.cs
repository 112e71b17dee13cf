using StackExchange.Redis;
using Vpn.Perf.Shared.Redis;
using RedisServerException = StackExchange.Redis.RedisServerException;

namespace Vpn.Perf.Shared.Tests.Redis;

/// <summary>
/// A connection from <see cref="RedisConnector"/> against the real Redis of the test command, in the ways the services
/// use it; every key carries the test's own prefix. Faults are in <c>Faults/RedisConnectionFaultTests</c>.
/// </summary>
public class RedisConnectorTests
{
    [Fact]
    public async Task ConnectAsync_DatabaseInTheString_CommandsRunInThatDatabase()
    {
        await using RedisTestServer db1 = await RedisTestServer.StartAsync(RedisTestServer.ConnectionStringWith("defaultDatabase=1"));
        await using RedisTestServer db0 = await RedisTestServer.StartAsync(RedisTestServer.ConnectionStringWith("defaultDatabase=0"));
        string key = db1.Key("k");
        await db1.Database.StringSetAsync(key, "in db 1");

        Assert.Equal(1, db1.Database.Database);
        Assert.Equal("in db 1", (string?)await db1.Database.StringGetAsync(key));
        Assert.False(await db0.Database.KeyExistsAsync(key));
    }

    [Fact]
    public async Task Database_KeyPrefix_CommandKeysAndScriptKeysCarryIt()
    {
        await using ConnectionMultiplexer connection = await RedisConnector.ConnectAsync(RedisTestServer.ConnectionString);
        string prefix = $"vpnperf-test:{Guid.NewGuid():N}:";
        IDatabase prefixed = RedisConnector.Database(connection, prefix);
        IDatabase raw = connection.GetDatabase();
        try
        {
            await prefixed.StringSetAsync("{b1}:a", "1");
            await prefixed.ScriptEvaluateAsync("redis.call('INCRBY', KEYS[1], 2) return redis.call('INCRBY', KEYS[2], 3)", ["{b1}:a", "{b1}:b"]);

            Assert.Equal(3, (long)await raw.StringGetAsync(prefix + "{b1}:a"));
            Assert.Equal(3, (long)await raw.StringGetAsync(prefix + "{b1}:b"));
            Assert.Equal(3, (long)await prefixed.StringGetAsync("{b1}:b"));
        }
        finally
        {
            await raw.KeyDeleteAsync(prefix + "{b1}:a");
            await raw.KeyDeleteAsync(prefix + "{b1}:b");
        }
    }

    [Fact]
    public async Task Database_NoPrefix_IsTheConnectionsOwnDatabase()
    {
        await using ConnectionMultiplexer connection = await RedisConnector.ConnectAsync(RedisTestServer.ConnectionString);
        Assert.Same(connection.GetDatabase(), RedisConnector.Database(connection, null));
        Assert.Same(connection.GetDatabase(), RedisConnector.Database(connection, ""));
    }

    [Fact]
    public async Task Database_PrefixWithABrace_ThrowsFormatException()
    {
        await using ConnectionMultiplexer connection = await RedisConnector.ConnectAsync(RedisTestServer.ConnectionString);
        Assert.Throws<FormatException>(() => RedisConnector.Database(connection, "tenant{1}:"));
        Assert.Throws<FormatException>(() => RedisConnector.Database(connection, "tenant}"));
    }

    [Fact]
    public async Task ConnectAsync_ClientName_IsWhatTheServerSees()
    {
        await using ConnectionMultiplexer connection = await RedisConnector.ConnectAsync(RedisTestServer.ConnectionString, clientName: "vpnperf-test-name");
        RedisResult name = await connection.GetDatabase().ExecuteAsync("CLIENT", "GETNAME");
        Assert.Equal("vpnperf-test-name", (string?)name);
    }

    [Fact]
    public async Task StringIncrementAsync_10000Pipelined_EachReplyMatchesItsCommand()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        string key = redis.Key("counter");
        var replies = new Task<long>[10_000];
        for (int i = 0; i < replies.Length; i++)
            replies[i] = redis.Database.StringIncrementAsync(key);
        for (int i = 0; i < replies.Length; i++)
            Assert.Equal(i + 1, await replies[i]);
    }

    [Fact]
    public async Task ExecuteAsync_ErrorReplyAmongPipelined_FailsOnlyThatCommand()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        string key = redis.Key("text");
        Task<bool> set = redis.Database.StringSetAsync(key, "abc");
        Task<long> increment = redis.Database.StringIncrementAsync(key);
        Task<RedisValue> get = redis.Database.StringGetAsync(key);

        Assert.True(await set);
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => increment);
        Assert.StartsWith("ERR value is not an integer", ex.Message, StringComparison.Ordinal);
        Assert.Equal("abc", (string?)await get);
        Assert.True(redis.Connection.IsConnected);
    }

    [Fact]
    public async Task ScriptEvaluateAsync_1000Arguments_ScriptSeesEveryOne()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        const string Script = """
            local sum = 0
            for i = 1, #ARGV do sum = sum + tonumber(ARGV[i]) end
            redis.call('SET', KEYS[1], sum)
            return { #ARGV, sum, ARGV[1], ARGV[#ARGV] }
            """;
        var values = new RedisValue[1000];
        long expected = 0;
        for (int i = 1; i <= values.Length; i++)
        {
            values[i - 1] = (ulong)i * 1_000_000_007UL;
            expected += i * 1_000_000_007L;
        }

        RedisResult[] reply = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(Script, [redis.Key("sum")], values))!;
        Assert.Equal(1000, (long)reply[0]);
        Assert.Equal(expected, (long)reply[1]);
        Assert.Equal("1000000007", (string?)reply[2]);
        Assert.Equal("1000000007000", (string?)reply[3]);
    }

    [Fact]
    public async Task ScriptEvaluateAsync_ScriptRaisesError_ThrowsServerExceptionAndTheConnectionServes()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        var ex = await Assert.ThrowsAsync<RedisServerException>(
            () => redis.Database.ScriptEvaluateAsync("return redis.error_reply('LIMIT over quota')"));
        Assert.Equal("LIMIT over quota", ex.Message);
        Assert.Equal(1, await redis.Database.StringIncrementAsync(redis.Key("n")));
    }
}
