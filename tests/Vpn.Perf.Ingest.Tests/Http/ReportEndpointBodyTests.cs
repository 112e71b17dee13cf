using System.Net;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>Content type, size limits and gzip handling of <c>POST /v1/reports</c>, plus <c>/metrics</c> and <c>/healthz</c>.</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class ReportEndpointBodyTests(BodyFixture fixture, ITestOutputHelper output) : IClassFixture<BodyFixture>, IDisposable
{
    private const int MaxWireBytes = 4 << 20; // IngestOptions.MaxRequestBodyBytes default
    private IngestProcess Ingest => fixture.Ingest;

    [Fact]
    public async Task PostReport_MoreThanMaxConcurrentRequests_Returns429WithRetryAfterThenRecovers()
    {
        string token = await fixture.Redis.SeedNodeTokenAsync(Guid.NewGuid());
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new HeldBodyContent(TestBatch.Build(1, [TestBatch.Report(Guid.NewGuid(), 1, 1)]), release.Task);
        using var held = new HttpRequestMessage(HttpMethod.Post, "v1/reports") { Content = slow };
        held.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        Task<HttpResponseMessage> first = Ingest.Http.SendAsync(held);
        try
        {
            await slow.FirstPartSent.WaitAsync(TimeSpan.FromSeconds(10));
            // The server counts the held request once it has dispatched it; until then another request may pass.
            HttpResponseMessage? refused = null;
            DateTime deadline = DateTime.UtcNow.AddSeconds(10);
            for (ulong seq = 1; refused is null && DateTime.UtcNow < deadline; seq++)
            {
                HttpResponseMessage r = await Ingest.PostReportAsync(TestBatch.Build(seq, [TestBatch.Report(Guid.NewGuid(), 1, 1)]), token);
                if (r.StatusCode == HttpStatusCode.TooManyRequests) refused = r;
                else r.Dispose();
            }
            Assert.NotNull(refused);
            using (refused)
            {
                Assert.Equal("too-many-requests", refused.Headers.GetValues("X-Reject-Reason").Single());
                Assert.NotNull(refused.Headers.RetryAfter);
            }
        }
        finally
        {
            release.SetResult();
        }
        using HttpResponseMessage held200 = await first;
        Assert.Equal(HttpStatusCode.OK, held200.StatusCode);
        using HttpResponseMessage after = await Ingest.PostReportAsync(TestBatch.Build(1_000_000, [TestBatch.Report(Guid.NewGuid(), 1, 1)]), token);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    /// <summary>Sends the first bytes of a body, then holds the rest until released: a request that stays in flight.</summary>
    private sealed class HeldBodyContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly Task _release;
        private readonly TaskCompletionSource _firstPartSent = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public HeldBodyContent(byte[] body, Task release)
        {
            _body = body;
            _release = release;
            Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/msgpack");
        }

        public Task FirstPartSent => _firstPartSent.Task;

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(_body.AsMemory(0, 1));
            await stream.FlushAsync();
            _firstPartSent.TrySetResult();
            await _release;
            await stream.WriteAsync(_body.AsMemory(1));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return true;
        }
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("application/octet-stream")]
    public async Task PostReport_WrongContentType_Returns415(string contentType)
    {
        string token = await fixture.Redis.SeedNodeTokenAsync(Guid.NewGuid());
        using HttpResponseMessage response = await Ingest.PostReportAsync(TestBatch.Build(1, [TestBatch.Report(Guid.NewGuid(), 1, 1)]), token, contentType);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported-media-type", response.Headers.GetValues("X-Reject-Reason").Single());
    }

    [Theory]
    [InlineData("application/x-msgpack")]
    [InlineData("application/vnd.msgpack")]
    [InlineData("application/msgpack; charset=binary")]
    public async Task PostReport_AlternativeMsgPackContentTypes_Returns200(string contentType)
    {
        string token = await fixture.Redis.SeedNodeTokenAsync(Guid.NewGuid());
        using HttpResponseMessage response = await Ingest.PostReportAsync(TestBatch.Build(1, [TestBatch.Report(Guid.NewGuid(), 1, 1)]), token, contentType);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PostReport_PlainBodyOverLimit_Returns413()
    {
        string token = await fixture.Redis.SeedNodeTokenAsync(Guid.NewGuid());
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/reports") { Content = new ByteArrayContent(new byte[MaxWireBytes + 1]) };
        request.Content.Headers.ContentType = new("application/msgpack");
        request.Headers.Authorization = new("Bearer", token);
        // Ingest answers 413 from Content-Length without reading the body, and Kestrel then closes the connection
        // (it will not drain more than the limit). A client still writing the body may see that close before the
        // answer: Expect: 100-continue makes it wait for the answer first, as a well-behaved sender of big bodies does.
        request.Headers.ExpectContinue = true;
        using HttpResponseMessage response = await Ingest.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body-too-large", response.Headers.GetValues("X-Reject-Reason").Single());
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task PostReport_ChunkedBodyOverLimit_Returns413()
    {
        string token = await fixture.Redis.SeedNodeTokenAsync(Guid.NewGuid());
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/reports")
        {
            // No Content-Length: the limit has to be enforced while reading, not from the header.
            Content = new StreamContent(new UnknownLengthStream(new byte[MaxWireBytes + 4096])),
        };
        request.Content.Headers.ContentType = new("application/msgpack");
        request.Headers.Authorization = new("Bearer", token);
        using HttpResponseMessage response = await Ingest.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertHealthyAsync();
        Assert.Equal(0, await Ingest.MetricAsync("vpnperf_ingest_requests_total{status=\"500\"}"));
    }

    [Fact]
    public async Task PostReport_TruncatedGzip_Returns400UnlessOnlyTrailerCut()
    {
        string token = await fixture.Redis.SeedNodeTokenAsync(Guid.NewGuid());
        byte[] batch = TestBatch.Build(1, [TestBatch.Report(Guid.NewGuid(), 1, 1), TestBatch.Report(Guid.NewGuid(), 2, 2)]);
        byte[] gz = TestBatch.Gzip(batch);
        int accepted = 0;
        for (int length = 0; length < gz.Length; length++)
        {
            using HttpResponseMessage response = await Ingest.PostReportAsync(gz[..length], token, contentEncoding: "gzip");
            // .NET's GZipStream ends quietly when only the 8-byte trailer (CRC32, size) is cut off; the batch inside is
            // then complete and self-delimiting, so a 200 is acceptable exactly when the prefix still inflates to it.
            bool complete = Inflates(gz[..length]) is { } inflated && inflated.AsSpan().SequenceEqual(batch);
            HttpStatusCode expected = complete ? HttpStatusCode.OK : HttpStatusCode.BadRequest;
            Assert.True(response.StatusCode == expected, $"gzip prefix of {length}/{gz.Length} bytes: {(int)response.StatusCode}, expected {(int)expected}");
            if (complete) accepted++;
            else Assert.True(response.Headers.Contains("X-Reject-Reason"));
        }
        Assert.True(accepted < gz.Length / 4, $"{accepted} of {gz.Length} cuts decoded: only cuts near the end (the trailer) should");
    }

    [Fact]
    public async Task PostReport_GzipBombOverDecodedLimit_Returns413()
    {
        string token = await fixture.Redis.SeedNodeTokenAsync(Guid.NewGuid());
        byte[] bomb = TestBatch.Gzip(new byte[(9 << 20)]); // 9 MiB of zeros inflate past Limits.MaxBatchBytes (8 MiB)
        Assert.True(bomb.Length < 64 * 1024, "the bomb should be small on the wire");
        using HttpResponseMessage response = await Ingest.PostReportAsync(bomb, token, contentEncoding: "gzip");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body-too-large", response.Headers.GetValues("X-Reject-Reason").Single());
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task PostReport_BadGzip_Returns400()
    {
        string token = await fixture.Redis.SeedNodeTokenAsync(Guid.NewGuid());
        byte[] garbage = [0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x03, 0xff, 0xff, 0xff, 0x12, 0x34];
        using HttpResponseMessage response = await Ingest.PostReportAsync(garbage, token, contentEncoding: "gzip");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(response.Headers.Contains("X-Reject-Reason"));
    }

    [Fact]
    public async Task PostReport_GzipBody_Returns200AndCounts()
    {
        var sid = Guid.NewGuid();
        var node = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        await fixture.Redis.LinkAsync(node, sid);
        byte[] gz = TestBatch.Gzip(TestBatch.Build(1, [TestBatch.Report(sid, 300, 400)], accessEvents: 1));
        using HttpResponseMessage response = await Ingest.PostReportAsync(gz, token, contentEncoding: "gzip");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        ReportResponse answer = ReportResponse.Parse(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(2UL, answer.Accepted);
        Assert.Equal(700, await fixture.Redis.UsedAsync(sid));
    }

    [Fact]
    public async Task GetMetrics_AfterRequests_ReturnsPrometheusTextWithRequestsAndSpool()
    {
        string token = await fixture.Redis.SeedNodeTokenAsync(Guid.NewGuid());
        await Ingest.PostAcceptedAsync(TestBatch.Build(1, [TestBatch.Report(Guid.NewGuid(), 1, 1)]), token);

        using HttpResponseMessage response = await Ingest.Http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE vpnperf_ingest_requests_total counter", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE vpnperf_ingest_spool_backlog_bytes gauge", text, StringComparison.Ordinal);
        Assert.Contains("vpnperf_ingest_spool_segments ", text, StringComparison.Ordinal);
        Assert.True(await Ingest.MetricAsync("vpnperf_ingest_requests_total{status=\"200\"}") >= 1);
        Assert.NotNull(await Ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes"));
    }

    [Fact]
    public async Task ClickHouseRowsMetric_BatchWithReportsAndAccessEvents_CountsBothKinds()
    {
        Guid node = Guid.NewGuid(), first = Guid.NewGuid(), second = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        await fixture.Redis.LinkAsync(node, first, second);
        const string Sample = "vpnperf_ingest_clickhouse_rows_total";
        // The fixture's Ingest is shared by this class: rows of an earlier test still in the spool would land in the window.
        double backlog = -1;
        await Poll.UntilAsync(async () => (backlog = await Ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") ?? 0) == 0, TimeSpan.FromSeconds(30),
            "earlier tests' rows to reach ClickHouse", () => Task.FromResult($"{backlog} bytes"));
        double before = await Ingest.MetricAsync(Sample) ?? 0;

        await Ingest.PostAcceptedAsync(TestBatch.Build(1, [TestBatch.Report(first, 1, 1), TestBatch.Report(second, 2, 2)], accessEvents: 3), token);

        double after = before;
        await Poll.UntilAsync(async () => (after = await Ingest.MetricAsync(Sample) ?? 0) >= before + 5, TimeSpan.FromSeconds(30),
            "two traffic rows and three access_log rows to be counted", () => Task.FromResult($"{before} -> {after}"));
        Assert.Equal(before + 5, after);
    }

    [Fact]
    public async Task GetHealthz_Running_ReturnsOk()
    {
        using HttpResponseMessage response = await Ingest.Http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    private async Task AssertHealthyAsync()
    {
        using HttpResponseMessage health = await Ingest.Http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    public void Dispose() => fixture.WriteLogTo(output);

    private static byte[]? Inflates(byte[] gz)
    {
        try
        {
            using var input = new MemoryStream(gz);
            using var gzip = new System.IO.Compression.GZipStream(input, System.IO.Compression.CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>A stream that hides its length, so HttpClient sends the body chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
