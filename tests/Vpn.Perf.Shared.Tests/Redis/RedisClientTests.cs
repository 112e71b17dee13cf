using System.Text;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Shared.Tests.Redis;

/// <summary>Against the real Redis of the test command; every key carries the test's own prefix.</summary>
public class RedisClientTests
{
    [Fact]
    public async Task SetAsync_ThenGet_RoundTrips()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        string key = redis.Key("k");
        await redis.Client.SetAsync(key, "value ü", CancellationToken.None);
        Assert.Equal("value ü", await redis.Client.GetStringAsync(key, CancellationToken.None));
        Assert.Null(await redis.Client.GetAsync(redis.Key("missing"), CancellationToken.None));
    }

    [Fact]
    public async Task ExecuteAsync_10000Pipelined_CompleteInFifoOrderWithCorrectValues()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync(o => o with { MaxPendingCommands = 10_000 });
        string key = redis.Key("counter");
        var command = new RespCommand(RespCommands.Incr);
        var replies = new Task<RespValue>[10_000];
        for (int i = 0; i < replies.Length; i++)
        {
            // One builder reused for every command: ExecuteAsync detached the previous buffer.
            command.Reset(RespCommands.Incr).Arg(key);
            replies[i] = redis.Client.ExecuteAsync(command, CancellationToken.None).AsTask();
        }
        for (int i = 0; i < replies.Length; i++)
            Assert.Equal(i + 1, (await replies[i]).AsInt64());
        Assert.Equal(0, redis.Client.PendingCount);
    }

    [Fact]
    public async Task ExecuteAsync_10000PipelinedOverFourConnections_EachReplyMatchesItsCommand()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync(o => o with { ConnectionCount = 4 });
        Assert.Equal(4, redis.Client.ConnectedCount);
        var replies = new Task<RespValue>[10_000];
        for (int i = 0; i < replies.Length; i++)
            replies[i] = redis.Client.ExecuteAsync(new RespCommand("ECHO").Arg(i), CancellationToken.None).AsTask();
        for (int i = 0; i < replies.Length; i++)
            Assert.Equal(i, (await replies[i]).AsInt64());
    }

    [Fact]
    public async Task ExecuteAsync_ErrorReply_FailsOnlyThatCommand()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        string key = redis.Key("text");
        Task<RespValue> set = redis.Client.ExecuteAsync(new RespCommand(RespCommands.Set).Arg(key).Arg("abc"), CancellationToken.None).AsTask();
        Task<RespValue> incr = redis.Client.ExecuteAsync(new RespCommand(RespCommands.Incr).Arg(key), CancellationToken.None).AsTask();
        Task<RespValue> get = redis.Client.ExecuteAsync(new RespCommand(RespCommands.Get).Arg(key), CancellationToken.None).AsTask();

        Assert.True((await set).IsSimpleString("OK"));
        var ex = await Assert.ThrowsAsync<RedisServerException>(() => incr);
        Assert.StartsWith("ERR value is not an integer", ex.Message, StringComparison.Ordinal);
        Assert.Equal("ERR", ex.ErrorCode);
        Assert.Equal("abc", (await get).AsString());
    }

    [Fact]
    public async Task ExecuteAsync_WrongTypeThenUnknownCommand_EachFailsAndConnectionSurvives()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        string key = redis.Key("hash");
        await redis.Client.HSetAsync(key, "f", "1", CancellationToken.None);
        var wrongType = await Assert.ThrowsAsync<RedisServerException>(
            async () => await redis.Client.ExecuteAsync(new RespCommand(RespCommands.Incr).Arg(key), CancellationToken.None));
        Assert.Equal("WRONGTYPE", wrongType.ErrorCode);
        await Assert.ThrowsAsync<RedisServerException>(
            async () => await redis.Client.ExecuteAsync("NO-SUCH-COMMAND", ["x"], CancellationToken.None));
        await redis.Client.PingAsync(CancellationToken.None);
    }

    [Fact]
    public async Task SetAsync_BinaryValue_RoundTripsByteForByte()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        byte[] value = new byte[256 + 8];
        for (int i = 0; i < 256; i++)
            value[i] = (byte)i;
        "\r\n$-1\r\n"u8.CopyTo(value.AsSpan(256));
        // The key carries NUL, CR and LF too: only the length prefix may delimit it.
        byte[] key = Encoding.UTF8.GetBytes(redis.Key("bin\0\r\n$2\r\n"));
        await redis.Client.ExecuteAsync(new RespCommand(RespCommands.Set).Arg(key).Arg(value), CancellationToken.None);

        RespValue reply = await redis.Client.ExecuteAsync(new RespCommand(RespCommands.Get).Arg(key), CancellationToken.None);
        Assert.Equal(value, reply.AsBytes());
        Assert.Equal(1, (await redis.Client.ExecuteAsync(new RespCommand(RespCommands.Exists).Arg(key), CancellationToken.None)).AsInt64());
    }

    [Fact]
    public async Task GetAsync_1MiBValues_ArriveWholeAcrossManyReads()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        var values = new byte[3][];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = new byte[1024 * 1024];
            new Random(i).NextBytes(values[i]);
            await redis.Client.SetAsync(redis.Key($"big{i}"), values[i], CancellationToken.None);
        }
        // Pipelined, so the three replies also share reads and split at arbitrary points.
        Task<byte[]?>[] gets = new Task<byte[]?>[values.Length];
        for (int i = 0; i < values.Length; i++)
            gets[i] = redis.Client.GetAsync(redis.Key($"big{i}"), CancellationToken.None).AsTask();
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(values[i], await gets[i]);
    }

    [Fact]
    public async Task ExecuteAsync_TooManyPending_FailsFastWithBusy()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync(o => o with { MaxPendingCommands = 4 });
        var replies = new Task<RespValue>[1000];
        for (int i = 0; i < replies.Length; i++)
            replies[i] = redis.Client.ExecuteAsync(new RespCommand(RespCommands.Ping), CancellationToken.None).AsTask();

        int busy = 0;
        foreach (Task<RespValue> reply in replies)
        {
            try
            {
                Assert.True((await reply).IsSimpleString("PONG"));
            }
            catch (RedisBusyException)
            {
                busy++;
            }
        }
        Assert.InRange(busy, 1, replies.Length - 4);
        Assert.Equal(0, redis.Client.PendingCount);
        await redis.Client.PingAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledToken_CancelsThatCommandOnly()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await redis.Client.ExecuteAsync(new RespCommand(RespCommands.Ping), cancelled.Token));
        Assert.Equal(1, await redis.Client.IncrAsync(redis.Key("n"), CancellationToken.None));
        Assert.Equal(0, redis.Client.PendingCount);
    }

    [Fact]
    public async Task HashHelpers_SetGetAllDelete_Work()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        string key = redis.Key("h");
        Assert.Equal(1, await redis.Client.HSetAsync(key, "a", "1", CancellationToken.None));
        Assert.Equal(1, await redis.Client.HSetAsync(key, "b", "2", CancellationToken.None));
        Assert.Equal("2", await redis.Client.HGetAsync(key, "b", CancellationToken.None));
        RespValue all = await redis.Client.HGetAllAsync(key, CancellationToken.None);
        Assert.Equal(4, all.Length);
        Assert.Equal(1, await redis.Client.HDelAsync(key, ["a", "zz"], CancellationToken.None));
        Assert.Equal(1, await redis.Client.DelAsync([key], CancellationToken.None));
    }

    [Fact]
    public async Task ConnectAsync_Database_SelectsIt()
    {
        await using RedisTestServer db1 = await RedisTestServer.StartAsync(o => o with { Database = 1 });
        await using RedisTestServer db0 = await RedisTestServer.StartAsync();
        string key = db1.Key("k");
        await db1.Client.SetAsync(key, "in db 1", CancellationToken.None);
        Assert.Equal("in db 1", await db1.Client.GetStringAsync(key, CancellationToken.None));
        Assert.Null(await db0.Client.GetStringAsync(key, CancellationToken.None));
    }
}
