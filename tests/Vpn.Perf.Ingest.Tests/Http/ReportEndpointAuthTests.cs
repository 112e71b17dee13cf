using System.Net;
using Vpn.Perf.Ingest.Tests.Harness;
using Xunit.Abstractions;
using Vpn.Perf.Testing;

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

    public void Dispose() => fixture.WriteLogTo(output);
}
