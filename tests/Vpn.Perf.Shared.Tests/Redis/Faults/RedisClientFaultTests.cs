using System.Net;
using System.Net.Sockets;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Shared.Tests.Redis.Faults;

public class RedisClientFaultTests
{
    /// <summary>Upper bound for any single wait, so a bug shows as a failed test rather than a hung run.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task ExecuteAsync_ServerClosesMidReply_FailsEveryPendingCommandAndReconnects()
    {
        await using var server = new RespFaultServer();
        await using RedisClient client = await RedisClient.ConnectAsync(server.Options(), null, CancellationToken.None);
        Assert.Equal("a", (await Echo(client, "a")).AsString());

        server.FailNext(RespFault.CloseMidReply);
        Task<RespValue>[] pending = [Echo(client, "1"), Echo(client, "2"), Echo(client, "3")];
        foreach (Task<RespValue> command in pending)
            await Assert.ThrowsAsync<RedisConnectionException>(async () => await command.WaitAsync(Guard));

        await WaitUntilWorksAsync(client);
        Assert.Equal("b", (await Echo(client, "b")).AsString());
        Assert.True(server.Accepted >= 2);
    }

    [Fact]
    public async Task ExecuteAsync_ServerSendsGarbage_FailsWithProtocolErrorAndReconnects()
    {
        await using var server = new RespFaultServer();
        await using RedisClient client = await RedisClient.ConnectAsync(server.Options(), null, CancellationToken.None);

        server.FailNext(RespFault.Garbage);
        var ex = await Assert.ThrowsAsync<RedisConnectionException>(async () => await Echo(client, "x").WaitAsync(Guard));
        Assert.Equal(RespProtocolError.UnknownPrefix, Assert.IsType<RespProtocolException>(ex.InnerException).Reason);

        await WaitUntilWorksAsync(client);
        Assert.Equal("y", (await Echo(client, "y")).AsString());
    }

    [Fact]
    public async Task ExecuteAsync_ServerStopsAnswering_FailsAfterCommandTimeoutAndReconnects()
    {
        await using var server = new RespFaultServer();
        RedisOptions options = server.Options(o => o with { CommandTimeout = TimeSpan.FromMilliseconds(200) });
        await using RedisClient client = await RedisClient.ConnectAsync(options, null, CancellationToken.None);

        server.FailNext(RespFault.Silent);
        Task<RespValue>[] pending = [Echo(client, "1"), Echo(client, "2")];
        foreach (Task<RespValue> command in pending)
        {
            var ex = await Assert.ThrowsAsync<RedisConnectionException>(async () => await command.WaitAsync(Guard));
            Assert.Contains("CommandTimeout", ex.Message, StringComparison.Ordinal);
        }

        await WaitUntilWorksAsync(client);
        Assert.Equal("z", (await Echo(client, "z")).AsString());
        Assert.Equal(0, client.PendingCount);
    }

    [Fact]
    public async Task ExecuteAsync_WhileDisconnected_FailsFastWithoutQueueing()
    {
        await using var server = new RespFaultServer();
        await using RedisClient client = await RedisClient.ConnectAsync(server.Options(), null, CancellationToken.None);

        server.RefuseConnections = true;
        server.FailNext(RespFault.CloseMidReply);
        await Assert.ThrowsAsync<RedisConnectionException>(async () => await Echo(client, "1").WaitAsync(Guard));

        // Reconnect attempts keep failing; commands are refused on the spot rather than parked.
        Assert.False(client.IsConnected);
        Task<RespValue> refused = Echo(client, "2");
        Assert.True(refused.IsCompleted);
        await Assert.ThrowsAsync<RedisConnectionException>(async () => await refused);
        Assert.Equal(0, client.PendingCount);

        server.RefuseConnections = false;
        await WaitUntilWorksAsync(client);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_ThrowsConnectionException()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var options = new RedisOptions { Host = "127.0.0.1", Port = port, ConnectTimeout = TimeSpan.FromSeconds(2) };
        var ex = await Assert.ThrowsAsync<RedisConnectionException>(
            () => RedisClient.ConnectAsync(options, null, CancellationToken.None).WaitAsync(Guard));
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_HandshakeNeverAnswered_ThrowsAfterConnectTimeout()
    {
        await using var server = new RespFaultServer();
        server.FailNext(RespFault.Silent);
        RedisOptions options = server.Options(o => o with { ConnectTimeout = TimeSpan.FromMilliseconds(200) });
        var ex = await Assert.ThrowsAsync<RedisConnectionException>(
            () => RedisClient.ConnectAsync(options, null, CancellationToken.None).WaitAsync(Guard));
        Assert.Contains("ConnectTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_PasswordAndDatabase_SendsAuthSelectPingInOrder()
    {
        await using var server = new RespFaultServer();
        RedisOptions options = server.Options(o => o with { User = "ingest", Password = "pw", Database = 2 });
        await using RedisClient client = await RedisClient.ConnectAsync(options, null, CancellationToken.None);
        Assert.Equal(["AUTH ingest pw", "SELECT 2", "PING"], server.Received.ToArray());
    }

    [Fact]
    public async Task ExecuteAsync_OneOfSeveralConnectionsDrops_OthersKeepServing()
    {
        await using var server = new RespFaultServer();
        RedisOptions options = server.Options(o => o with { ConnectionCount = 3 });
        await using RedisClient client = await RedisClient.ConnectAsync(options, null, CancellationToken.None);
        Assert.Equal(3, client.ConnectedCount);

        server.RefuseConnections = true;
        server.FailNext(RespFault.CloseMidReply);
        await Assert.ThrowsAsync<RedisConnectionException>(async () => await Echo(client, "1").WaitAsync(Guard));

        Assert.Equal(2, client.ConnectedCount);
        for (int i = 0; i < 20; i++)
            Assert.Equal("ok", (await Echo(client, "ok")).AsString());
    }

    private static Task<RespValue> Echo(RedisClient client, string text) =>
        client.ExecuteAsync(new RespCommand("ECHO").Arg(text), CancellationToken.None).AsTask();

    /// <summary>Polls (10 ms apart, bounded by <see cref="Guard"/>) until a command succeeds after a reconnect.</summary>
    private static async Task WaitUntilWorksAsync(RedisClient client)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (true)
        {
            try
            {
                await client.PingAsync(guard.Token);
                return;
            }
            catch (RedisConnectionException) when (!guard.IsCancellationRequested)
            {
                await Task.Delay(10, guard.Token);
            }
        }
    }
}
