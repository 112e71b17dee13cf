using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>Issue 10 §3: the /metrics bearer token, headers on every answer, the request-header timeout.</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class HardeningTests(HardeningFixture fixture, ITestOutputHelper output) : IClassFixture<HardeningFixture>, IDisposable
{
    private IngestProcess Ingest => fixture.Ingest;

    [Fact]
    public async Task Issue10_Metrics_TokenRequiredWhenConfiguredOpenWhenNot()
    {
        using (HttpResponseMessage none = await Ingest.Http.GetAsync("metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
            Assert.DoesNotContain("ingest_", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetMetricsAsync(HardeningFixture.MetricsToken + "x")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await GetMetricsAsync(HardeningFixture.MetricsToken[..^1])).StatusCode);
        using (HttpResponseMessage ok = await GetMetricsAsync(HardeningFixture.MetricsToken))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Contains("ingest_", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The default: no token configured, open (Ingest binds to loopback unless told otherwise).
        await Ingest.RestartAsync(new Dictionary<string, string> { ["Ingest__MetricsToken"] = "" });
        try
        {
            Assert.Equal(HttpStatusCode.OK, (await Ingest.Http.GetAsync("metrics")).StatusCode);
        }
        finally
        {
            await Ingest.RestartAsync(new Dictionary<string, string> { ["Ingest__MetricsToken"] = HardeningFixture.MetricsToken });
        }
    }

    [Fact]
    public async Task Issue10_EveryAnswer_HasNosniffAndNoServerHeader()
    {
        HttpResponseMessage[] answers =
        [
            await Ingest.Http.GetAsync("healthz"),
            await GetMetricsAsync(HardeningFixture.MetricsToken),
            await Ingest.Http.GetAsync("metrics"),
            await Ingest.PostReportAsync([1, 2, 3], token: null),
            await Ingest.Http.GetAsync("nothing-here"),
        ];
        foreach (HttpResponseMessage r in answers)
        {
            using (r)
            {
                Assert.Equal("nosniff", Assert.Single(r.Headers.GetValues("X-Content-Type-Options")));
                Assert.False(r.Headers.Contains("Server"), $"{r.RequestMessage?.RequestUri} answered with a Server header");
            }
        }
    }

    [Fact]
    public async Task Issue10_HeadersNotFinished_ConnectionClosedAfterTheConfiguredTimeout()
    {
        // Configured to 1 s here; Kestrel's default would hold the connection for 30 s, past this test's bound.
        using var client = new TcpClient();
        await client.ConnectAsync(Ingest.BaseAddress.Host, Ingest.BaseAddress.Port);
        NetworkStream stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /healthz HTTP/1.1\r\nHost: ingest\r\n"));
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        var received = new StringBuilder();
        int read;
        while ((read = await stream.ReadAsync(buffer, bound.Token)) > 0) received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        // Kestrel answers 408 and closes; the headers never completed, so nothing else was served.
        Assert.StartsWith("HTTP/1.1 408", received.ToString(), StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> GetMetricsAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await Ingest.Http.SendAsync(request);
    }

    public void Dispose() => fixture.WriteLogTo(output);
}
