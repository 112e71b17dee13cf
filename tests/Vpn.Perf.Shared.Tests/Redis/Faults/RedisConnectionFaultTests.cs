using StackExchange.Redis;
using Vpn.Perf.Shared.Redis;
using RedisConnectionException = StackExchange.Redis.RedisConnectionException;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Shared.Tests.Redis.Faults;

/// <summary>
/// What the services rely on when Redis fails, proven through <see cref="RedisConnector"/> against real servers: a
/// <see cref="TcpFaultProxy"/> in front of the shared Redis (down, reset, stuck), or a private server the test kills and
/// starts again (a real restart) or flushes. Nothing is timed: every wait has a deadline, and "promptly" means "long
/// before the configured timeout could have fired".
/// </summary>
public class RedisConnectionFaultTests
{
    /// <summary>Upper bound for any single wait, so a bug shows as a failed test rather than a hung run.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);

    /// <summary>A command timeout no wait in these tests comes near: a failure seen within <see cref="Guard"/> is not a timeout.</summary>
    private const string NoTimeout = "asyncTimeout=600000";

    private const string IncrementScript = "return redis.call('INCRBY', KEYS[1], ARGV[1])";

    [Fact]
    public async Task ConnectAsync_RedisDown_ReturnsAConnectionWhoseCommandsFailFastUntilRedisIsUp()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        (string host, int port) = RedisTestServer.EndPoint();
        await using var proxy = new TcpFaultProxy(host, port);
        proxy.Block();

        await using ConnectionMultiplexer connection = await RedisConnector.ConnectAsync(RedisTestServer.ConnectionStringTo(proxy.Port, NoTimeout)).WaitAsync(Guard);
        Assert.False(connection.IsConnected);
        Assert.True(proxy.Accepted >= 1);
        IDatabase db = connection.GetDatabase();
        string key = redis.Key("n");
        await AssertRefusedAtOnceAsync(db.StringIncrementAsync(key));

        proxy.Unblock();
        await WaitUntilWorksAsync(db);
        Assert.Equal(1, await db.StringIncrementAsync(key));
        Assert.Equal(1, (long)await redis.Database.StringGetAsync(key));
    }

    [Fact]
    public async Task Commands_ConnectionResetWithCommandsInFlight_FailWithConnectionExceptionThenRecover()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        (string host, int port) = RedisTestServer.EndPoint();
        await using var proxy = new TcpFaultProxy(host, port);
        await using ConnectionMultiplexer connection = await RedisConnector.ConnectAsync(RedisTestServer.ConnectionStringTo(proxy.Port, NoTimeout));
        IDatabase db = connection.GetDatabase();
        string key = redis.Key("n");
        Assert.Equal(1, await db.StringIncrementAsync(key));

        // Held at the proxy, then the connection is reset under them (what a Redis restart does to a client).
        proxy.Pause();
        Task<long>[] inFlight = [db.StringIncrementAsync(key), db.StringIncrementAsync(key), db.StringIncrementAsync(key)];
        proxy.Block();
        foreach (Task<long> command in inFlight)
            await Assert.ThrowsAsync<RedisConnectionException>(() => command.WaitAsync(Guard));

        await WaitUntilAsync(() => !connection.IsConnected, "the connection to notice the reset");
        await AssertRefusedAtOnceAsync(db.StringIncrementAsync(key));

        proxy.Resume();
        proxy.Unblock();
        await WaitUntilWorksAsync(db);
        // The held commands never reached Redis (their bytes died with the connection), nor did the refused one.
        Assert.Equal(2, await db.StringIncrementAsync(key));
    }

    [Fact]
    public async Task Commands_RedisRestarted_WorkAgainWithoutANewConnection()
    {
        await using RedisServerProcess server = await RedisServerProcess.StartNewAsync();
        await using ConnectionMultiplexer connection = await RedisConnector.ConnectAsync($"127.0.0.1:{server.Port},{NoTimeout}");
        IDatabase db = connection.GetDatabase();
        Assert.Equal(5, (long)await db.ScriptEvaluateAsync(IncrementScript, ["n"], [5]));

        await server.KillAsync();
        await WaitUntilAsync(() => !connection.IsConnected, "the connection to notice the crash");
        await AssertRefusedAtOnceAsync(db.ScriptEvaluateAsync(IncrementScript, ["n"], [5]));

        await server.StartAsync();
        await WaitUntilWorksAsync(db);
        // A new, empty server: its script cache is empty too, which the cached script hash must survive.
        Assert.Equal(5, (long)await db.ScriptEvaluateAsync(IncrementScript, ["n"], [5]));
        Assert.Equal(6, await db.StringIncrementAsync("n"));
    }

    [Fact]
    public async Task Commands_RedisStuck_FailWithTimeoutAfterAsyncTimeoutThenRecover()
    {
        await using RedisTestServer redis = await RedisTestServer.StartAsync();
        (string host, int port) = RedisTestServer.EndPoint();
        await using var proxy = new TcpFaultProxy(host, port);
        await using ConnectionMultiplexer connection = await RedisConnector.ConnectAsync(RedisTestServer.ConnectionStringTo(proxy.Port, "asyncTimeout=300"));
        IDatabase db = connection.GetDatabase();
        string key = redis.Key("n");
        Assert.Equal(1, await db.StringIncrementAsync(key));

        proxy.Pause();
        Task<long>[] stuck = [db.StringIncrementAsync(key), db.StringIncrementAsync(key)];
        foreach (Task<long> command in stuck)
        {
            var ex = await Assert.ThrowsAsync<RedisTimeoutException>(() => command.WaitAsync(Guard));
            Assert.Contains("timeout is 300ms", ex.Message, StringComparison.Ordinal); // the string's asyncTimeout, not the 5 s default
        }

        proxy.Resume();
        await WaitUntilWorksAsync(db);
        // The timed-out commands were only held, so they ran when Redis got them; their late replies went nowhere.
        Assert.Equal(4, await db.StringIncrementAsync(key));
    }

    [Fact]
    public async Task ScriptEvaluateAsync_ScriptCacheFlushedBetweenCalls_LoadsItAgainAndRunsOnce()
    {
        await using RedisServerProcess server = await RedisServerProcess.StartNewAsync();
        await using ConnectionMultiplexer connection = await RedisConnector.ConnectAsync($"127.0.0.1:{server.Port}");
        // Another client flushes: SCRIPT FLUSH is an admin command, which the services' connections never allow.
        await using ConnectionMultiplexer admin = await RedisConnector.ConnectAsync($"127.0.0.1:{server.Port},allowAdmin=true");
        IServer adminServer = admin.GetServer(admin.GetEndPoints()[0]);
        IDatabase db = connection.GetDatabase();

        Assert.Equal(5, (long)await db.ScriptEvaluateAsync(IncrementScript, ["n"], [5]));
        Assert.Equal(10, (long)await db.ScriptEvaluateAsync(IncrementScript, ["n"], [5]));
        await adminServer.ScriptFlushAsync();
        Assert.False(await adminServer.ScriptExistsAsync(IncrementScript));

        // NOSCRIPT on the cached hash: the library retries with the script itself and loads it again; it ran once.
        Assert.Equal(15, (long)await db.ScriptEvaluateAsync(IncrementScript, ["n"], [5]));
        Assert.Equal(20, (long)await db.ScriptEvaluateAsync(IncrementScript, ["n"], [5]));
        Assert.True(await adminServer.ScriptExistsAsync(IncrementScript));
        Assert.Equal(20, (long)await db.StringGetAsync("n"));
        // The server saw the NOSCRIPT (one EVALSHA failed), and ran the script's INCRBY once per call, the retried one included.
        Dictionary<string, string> stats = (await adminServer.InfoAsync("commandstats")).SelectMany(static g => g).ToDictionary(static e => e.Key, static e => e.Value);
        Assert.Contains("failed_calls=1", stats["cmdstat_evalsha"], StringComparison.Ordinal);
        Assert.StartsWith("calls=4,", stats["cmdstat_incrby"], StringComparison.Ordinal);
    }

    /// <summary>
    /// The fail-fast backlog: with no connection a command is refused on the spot (its task is already complete when
    /// the call returns), not parked to run, or to time out, later.
    /// </summary>
    private static async Task AssertRefusedAtOnceAsync(Task command)
    {
        Assert.True(command.IsCompleted, "A command issued without a connection was queued instead of refused.");
        await Assert.ThrowsAsync<RedisConnectionException>(() => command);
    }

    /// <summary>Pings (10 ms apart, bounded by <see cref="Guard"/>) until a command succeeds after a reconnect.</summary>
    private static async Task WaitUntilWorksAsync(IDatabase db)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (true)
        {
            try
            {
                await db.PingAsync().WaitAsync(guard.Token);
                return;
            }
            catch (RedisConnectionException) when (!guard.IsCancellationRequested)
            {
                await Task.Delay(10, guard.Token);
            }
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (!condition())
        {
            try
            {
                await Task.Delay(10, guard.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Gave up after {Guard.TotalSeconds:0} s waiting for {what}.");
            }
        }
    }
}
