using System.Net;
using StackExchange.Redis;
using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.Redis;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Http;

[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class ReportEndpointAuthTests(AuthFixture fixture, ITestOutputHelper output) : IClassFixture<AuthFixture>, IDisposable
{
    private IngestProcess Ingest => fixture.Ingest;

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-known-token")]
    public async Task PostReport_MissingOrUnknownToken_Returns401(string? token)
    {
        byte[] batch = TestBatch.Build(1, [TestBatch.Report(Guid.NewGuid(), 1, 1)]);
        using HttpResponseMessage response = await Ingest.PostReportAsync(batch, token);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("bad-token", response.Headers.GetValues("X-Reject-Reason").Single());
    }

    [Fact]
    public async Task PostReport_TokenRevoked_Returns401WithinFiveSeconds()
    {
        var node = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        var sid = Guid.NewGuid();
        await Ingest.PostAcceptedAsync(TestBatch.Build(1, [TestBatch.Report(sid, 5, 5)]), token); // cached now

        await fixture.Redis.RevokeNodeTokenAsync(token);

        ulong seq = 2;
        HttpStatusCode last = HttpStatusCode.OK;
        await Poll.UntilAsync(async () =>
        {
            using HttpResponseMessage response = await Ingest.PostReportAsync(TestBatch.Build(seq++, [TestBatch.Report(sid, 1, 1)]), token);
            last = response.StatusCode;
            Assert.True(last is HttpStatusCode.OK or HttpStatusCode.Unauthorized, $"unexpected {(int)last}");
            return last == HttpStatusCode.Unauthorized;
        }, TimeSpan.FromSeconds(5), "the revoked token to be refused", () => Task.FromResult(last.ToString()));

        // And it stays refused.
        using HttpResponseMessage again = await Ingest.PostReportAsync(TestBatch.Build(seq, [TestBatch.Report(sid, 1, 1)]), token);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task ResolveAsync_TokenRevokedWhileItsReadIsUnderWay_IsNotKeptInTheCache()
    {
        string token = await fixture.Redis.SeedNodeTokenAsync(Guid.NewGuid());
        TestServers.RedisServer direct = TestServers.RedisBase;
        await using var proxy = new TcpFaultProxy(direct.Host, direct.Port);
        await using ConnectionMultiplexer held = await RedisConnector.ConnectAsync(TestServers.RedisFor(proxy.Port));
        // A max age no test run outlasts: only the invalidation can end the entry.
        var cache = new NodeTokenCache(RedisConnector.Database(held, fixture.Redis.KeyPrefix), new IngestOptions { CacheMaxAge = TimeSpan.FromHours(1) }, TimeProvider.System);
        await using RedisMonitor monitor = await RedisMonitor.StartAsync(fixture.Redis.ServerOf(TestRedis.TokenKey(token)));

        // Redis reads the token before it is revoked; the answer arrives after the revocation's invalidation.
        proxy.PauseReplies();
        Task<Guid?> read = cache.ResolveAsync(token, CancellationToken.None).AsTask();
        int reads = 0;
        await Poll.UntilAsync(async () => (reads += await monitor.CountAsync("HGET", fixture.Redis.KeyPrefix + TestRedis.TokenKey(token))) > 0,
            TimeSpan.FromSeconds(30), "the token's read to reach Redis", () => Task.FromResult(reads.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await fixture.Redis.RevokeNodeTokenAsync(token);
        cache.Invalidate();
        proxy.Resume();

        Assert.NotNull(await read); // read before the revocation: that request was still the node's
        Assert.Null(await cache.ResolveAsync(token, CancellationToken.None));
    }

    [Theory]
    [InlineData("tökén")]
    [InlineData("токен-узла-не-ascii")]
    public async Task ResolveAsync_NonAsciiToken_IsUnknownWithoutAskingRedis(string token)
    {
        await using RedisMonitor monitor = await RedisMonitor.StartAsync(fixture.Redis.ServerOf(TestRedis.TokenKey(token)));
        var cache = new NodeTokenCache(fixture.Redis.Db, new IngestOptions(), TimeProvider.System);

        Assert.Null(await cache.ResolveAsync(token, CancellationToken.None));
        // This class's keys only: other classes run beside it on the same server and read their own tokens.
        Assert.Equal(0, await monitor.CountAsync("HGET", fixture.Redis.KeyPrefix + "nodetoken:"));
    }

    public void Dispose() => fixture.WriteLogTo(output);
}
