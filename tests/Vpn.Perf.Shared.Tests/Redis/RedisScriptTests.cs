using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Shared.Tests.Redis;

public class RedisScriptTests
{
    /// <summary>A body no other run has sent, so the server has not cached it (SCRIPT FLUSH is not ours to call).</summary>
    private static RedisScript UniqueScript(string body) => new($"-- {Guid.NewGuid():N}\n{body}");

    [Fact]
    public void Sha1_KnownSource_MatchesRedisNaming()
    {
        // SHA1 of "return 1", as SCRIPT LOAD reports it.
        Assert.Equal("e0e1f9fabfc9d4800c877a703b823ac0578ff8db", new RedisScript("return 1").Sha1);
    }

    [Fact]
    public async Task EvalShaAsync_ScriptUnknownToServer_LoadsItAndRetriesOnce()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        RedisScript script = UniqueScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        string key = redis.Key("n");

        RespCommand command = script.CreateCommand(keyCount: 1).Arg(key).Arg(5);
        Assert.Equal(5, (await redis.Client.EvalShaAsync(script, command, CancellationToken.None)).AsInt64());

        // Cached now: the second call runs once more (the retry did not run the script twice).
        script.ResetCommand(command, keyCount: 1).Arg(key).Arg(5);
        Assert.Equal(10, (await redis.Client.EvalShaAsync(script, command, CancellationToken.None)).AsInt64());
        Assert.Equal("10", await redis.Client.GetStringAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task EvalShaAsync_1000Arguments_ScriptSeesEveryOne()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        RedisScript script = UniqueScript("""
            local sum = 0
            for i = 1, #ARGV do sum = sum + tonumber(ARGV[i]) end
            redis.call('SET', KEYS[1], sum)
            return { #ARGV, sum, ARGV[1], ARGV[#ARGV] }
            """);
        RespCommand command = script.CreateCommand(keyCount: 1, sizeHint: 16 * 1024).Arg(redis.Key("sum"));
        long expected = 0;
        for (int i = 1; i <= 1000; i++)
        {
            command.Arg((ulong)i * 1_000_000_007UL);
            expected += i * 1_000_000_007L;
        }

        RespValue reply = await redis.Client.EvalShaAsync(script, command, CancellationToken.None);
        Assert.Equal(1000, reply[0].AsInt64());
        Assert.Equal(expected, reply[1].AsInt64());
        Assert.Equal("1000000007", reply[2].AsString());
        Assert.Equal("1000000007000", reply[3].AsString());
    }

    [Fact]
    public async Task EvalShaAsync_ScriptRaisesError_ThrowsServerExceptionWithoutRetry()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        RedisScript script = UniqueScript("return redis.error_reply('LIMIT over quota')");
        var ex = await Assert.ThrowsAsync<RedisServerException>(
            async () => await redis.Client.EvalShaAsync(script, script.CreateCommand(0), CancellationToken.None));
        Assert.Equal("LIMIT over quota", ex.Message);
    }

    [Fact]
    public async Task EvalShaAsync_CommandFromAnotherScript_ThrowsArgumentException()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        RedisScript one = UniqueScript("return 1"), other = UniqueScript("return 2");
        using RespCommand command = other.CreateCommand(0);
        await Assert.ThrowsAsync<ArgumentException>(
            async () => await redis.Client.EvalShaAsync(one, command, CancellationToken.None));
    }
}
