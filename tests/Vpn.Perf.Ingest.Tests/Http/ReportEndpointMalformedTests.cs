using System.Net;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.Wire.TrafficReport;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>Broken and mutated batches against the real Ingest: always a 400 with a reason (or a 200 when still valid), never a 5xx.</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class ReportEndpointMalformedTests(MalformedFixture fixture, ITestOutputHelper output) : IClassFixture<MalformedFixture>, IDisposable
{
    private IngestProcess Ingest => fixture.Ingest;

    [Fact]
    public async Task PostReport_EveryTruncationOfValidBatch_Returns400WithReason()
    {
        var node = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        await fixture.Redis.LinkAsync(node, a, b);
        byte[] batch = TestBatch.Build(1, [TestBatch.Report(a, 100, 200), TestBatch.Report(b, 1, 2)], accessEvents: 2);

        for (int length = 0; length < batch.Length; length++)
        {
            using HttpResponseMessage response = await Ingest.PostReportAsync(batch[..length], token);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest,
                $"prefix of {length}/{batch.Length} bytes: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.True(response.Headers.TryGetValues("X-Reject-Reason", out IEnumerable<string>? reason) && reason.Single().Length > 0,
                $"prefix of {length} bytes: no X-Reject-Reason");
        }

        // The whole batch still goes through afterwards: no prefix poisoned the node's state.
        ReportResponse ok = await Ingest.PostAcceptedAsync(batch, token);
        Assert.Equal(4UL, ok.Accepted);
    }

    [Fact]
    public async Task PostReport_SeededMutationCorpus_Only200Or400AndStaysHealthy()
    {
        var node = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        var random = new Random(20240611);
        int accepted = 0, rejected = 0;

        for (int i = 0; i < 300; i++)
        {
            // Seqs grow with i so a still-valid mutation is usually new; a mutated seq may repeat one (then: duplicate).
            byte[] original = TestBatch.Build((ulong)(1000 + i), [TestBatch.Report(Guid.NewGuid(), (ulong)i, 7), TestBatch.Report(Guid.NewGuid(), 3, (ulong)i)], accessEvents: i % 3);
            byte[] mutated = Mutate(original, random);
            bool decodes = TestBatch.Decodes(mutated);

            using HttpResponseMessage response = await Ingest.PostReportAsync(mutated, token);
            string detail = $"mutation {i} ({Convert.ToHexString(mutated.AsSpan(0, Math.Min(mutated.Length, 64)))}...): {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            if (decodes)
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, detail);
                ReportResponse.Parse(await response.Content.ReadAsByteArrayAsync());
                accepted++;
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, detail);
                Assert.True(response.Headers.Contains("X-Reject-Reason"), detail);
                rejected++;
            }
        }

        output.WriteLine($"{accepted} mutations still decoded (200), {rejected} were rejected (400)");
        Assert.True(rejected > 100, "the corpus should mostly break the batch");
        using HttpResponseMessage health = await Ingest.Http.GetAsync("healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(Ingest.HasExited);
        Assert.Equal(0, await Ingest.MetricAsync("vpnperf_ingest_requests_total{status=\"500\"}"));
    }

    /// <summary>
    /// A decodable batch whose interval_start ClickHouse cannot store (DateTime is 1970..2106) must not be
    /// acknowledged: a 200 promises the rows reach history, and the sink would have to drop them.
    /// </summary>
    [Fact]
    public async Task PostReport_IntervalStartOutsideClickHouseRange_Returns400()
    {
        var node = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        var sid = Guid.NewGuid();
        foreach (long start in new[] { -1L, (long)uint.MaxValue + 1 })
        {
            byte[] batch = TestBatch.Build(start < 0 ? 1UL : 2UL, [new TrafficReport(sid, Guid.Empty, 10, 10, start, 60)]);
            using HttpResponseMessage response = await Ingest.PostReportAsync(batch, token);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.True(response.Headers.Contains("X-Reject-Reason"));
        }
        Assert.Equal(0, await fixture.Redis.UsedAsync(sid));
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits && bytes.Count > 0; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;            // flip a bit
                case 1: bytes[at] = (byte)random.Next(256); break;                 // random byte
                case 2: bytes.Insert(at, (byte)random.Next(256)); break;           // insert a byte
                case 3: bytes.RemoveAt(at); break;                                  // delete a byte
                case 4: bytes[at] = random.Next(2) == 0 ? (byte)0xdc : (byte)0xdd; break; // huge array16/32 header
                default: bytes.RemoveRange(at, bytes.Count - at); break;           // truncate
            }
        }
        return [.. bytes];
    }

    public void Dispose() => fixture.WriteLogTo(output);
}
