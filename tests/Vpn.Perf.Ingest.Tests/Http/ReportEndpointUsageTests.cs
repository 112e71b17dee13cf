using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>Counting, retries, limits and reset periods through the real endpoint, Redis and ClickHouse.</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class ReportEndpointUsageTests(UsageFixture fixture, ITestOutputHelper output) : IClassFixture<UsageFixture>, IDisposable
{
    private static readonly TimeSpan SinkDeadline = TimeSpan.FromSeconds(20);
    private IngestProcess Ingest => fixture.Ingest;

    [Fact]
    public async Task PostReport_SameSeqTwice_SecondIsDuplicateAndCountedOnce()
    {
        var node = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        Guid a = Guid.NewGuid(), b = Guid.NewGuid();
        await fixture.Redis.LinkAsync(node, a, b);
        byte[] batch = TestBatch.Build(7, [TestBatch.Report(a, 100, 1000), TestBatch.Report(b, 5, 50), TestBatch.Report(a, 1, 2)], accessEvents: 2);

        ReportResponse first = await Ingest.PostAcceptedAsync(batch, token);
        ReportResponse second = await Ingest.PostAcceptedAsync(batch, token);

        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.Equal(1103, await fixture.Redis.UsedAsync(a));
        Assert.Equal(55, await fixture.Redis.UsedAsync(b));

        // Both copies were spooled; once the sink has drained the spool, ClickHouse holds each row once.
        await WaitForSinkAsync();
        var byBatch = await fixture.ClickHouse.TrafficByBatchAsync();
        Assert.Equal((3L, 106L, 1052L), byBatch[(node, 7)]);
        var p = new ClickHouseParameters().Add("node", node);
        Assert.Equal(2, await fixture.ClickHouse.LongAsync("SELECT count() FROM access_log WHERE node_id = {node}", p));
    }

    [Fact]
    public async Task PostReport_UsageCrossesLimit_CrossingAndLaterResponsesListCutoffAndOneEvent()
    {
        var node = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        Guid limited = Guid.NewGuid(), other = Guid.NewGuid();
        await fixture.Redis.LinkAsync(node, limited, other);
        await fixture.Redis.SeedSubscriptionAsync(limited, maxTraffic: 1000);

        ReportResponse r1 = await Ingest.PostAcceptedAsync(TestBatch.Build(1, [TestBatch.Report(limited, 300, 300), TestBatch.Report(other, 1, 1)]), token);
        Assert.Empty(r1.Cutoff);
        Assert.Empty(await fixture.Redis.EventsForAsync(limited));

        ReportResponse r2 = await Ingest.PostAcceptedAsync(TestBatch.Build(2, [TestBatch.Report(limited, 250, 250), TestBatch.Report(other, 1, 1)]), token);
        Assert.Equal([limited], r2.Cutoff);
        List<Dictionary<string, string>> events = await fixture.Redis.EventsForAsync(limited);
        Dictionary<string, string> e = Assert.Single(events);
        Assert.Equal("1100", e["used"]);
        Assert.Equal("1000", e["limit"]);
        Assert.Equal(node.ToString("N"), e["node"]);

        ReportResponse r3 = await Ingest.PostAcceptedAsync(TestBatch.Build(3, [TestBatch.Report(limited, 1, 0), TestBatch.Report(other, 1, 1)]), token);
        Assert.Equal([limited], r3.Cutoff);
        Assert.Single(await fixture.Redis.EventsForAsync(limited)); // the crossing is reported once
        Assert.Equal(1101, await fixture.Redis.UsedAsync(limited));
    }

    [Fact]
    public async Task PostReport_ExpiredOrSuspended_InCutoffRegardlessOfUsage()
    {
        var node = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        Guid expired = Guid.NewGuid(), suspended = Guid.NewGuid(), fine = Guid.NewGuid();
        await fixture.Redis.LinkAsync(node, expired, suspended, fine);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await fixture.Redis.SeedSubscriptionAsync(expired, maxTraffic: 1L << 40, expiresAtMs: now - 60_000);
        await fixture.Redis.SeedSubscriptionAsync(suspended, suspended: true);
        await fixture.Redis.SeedSubscriptionAsync(fine, maxTraffic: 1L << 40, expiresAtMs: now + 3_600_000);

        ReportResponse r = await Ingest.PostAcceptedAsync(
            TestBatch.Build(1, [TestBatch.Report(expired, 1, 1), TestBatch.Report(suspended, 1, 1), TestBatch.Report(fine, 1, 1)]), token);

        Assert.Equal(new HashSet<Guid> { expired, suspended }, r.Cutoff.ToHashSet());
        Assert.Equal(2, r.Cutoff.Count); // each once
        Assert.Equal(2, await fixture.Redis.UsedAsync(expired)); // still counted: the traffic happened

        // The second batch finds the states in the cache, where what blocks them is kept beside each state.
        ReportResponse again = await Ingest.PostAcceptedAsync(
            TestBatch.Build(2, [TestBatch.Report(expired, 1, 1), TestBatch.Report(suspended, 1, 1), TestBatch.Report(fine, 1, 1)]), token);
        Assert.Equal(new HashSet<Guid> { expired, suspended }, again.Cutoff.ToHashSet());
    }

    [Fact]
    public async Task PostReport_ResetPeriodSet_CountsIntoCurrentPeriodField()
    {
        var node = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        var sid = Guid.NewGuid();
        await fixture.Redis.LinkAsync(node, sid);
        // The server's clock decides the period: anchor 5.5 periods back puts "now" half an hour into a known period,
        // far from either boundary for the few seconds this test runs.
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long anchor = now - (5 * 3_600_000L) - 1_800_000L;
        long expectedStart = ResetPeriod.Parse("PT1H").PeriodStart(anchor, now);
        Assert.Equal(anchor + (5 * 3_600_000L), expectedStart);
        await fixture.Redis.SeedSubscriptionAsync(sid, maxTraffic: 1L << 40, resetPeriod: "PT1H", resetAnchorMs: anchor);

        await Ingest.PostAcceptedAsync(TestBatch.Build(1, [TestBatch.Report(sid, 40, 2)]), token);

        Assert.Equal(42, await fixture.Redis.UsedAsync(sid, expectedStart));
        Assert.Equal(0, await fixture.Redis.UsedAsync(sid, 0));
        Assert.Equal(0, await fixture.Redis.UsedAsync(sid, anchor));
    }

    [Fact]
    public async Task PostReport_LimitRaisedAndNotified_NoLongerCutOff()
    {
        var node = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        var sid = Guid.NewGuid();
        await fixture.Redis.LinkAsync(node, sid);
        await fixture.Redis.SeedSubscriptionAsync(sid, maxTraffic: 10);
        Assert.Equal([sid], (await Ingest.PostAcceptedAsync(TestBatch.Build(1, [TestBatch.Report(sid, 10, 10)]), token)).Cutoff);

        await fixture.Redis.SeedSubscriptionAsync(sid, maxTraffic: 1_000_000);
        await fixture.Redis.NotifySubscriptionChangedAsync(sid);

        ulong seq = 2;
        await Poll.UntilAsync(async () => (await Ingest.PostAcceptedAsync(TestBatch.Build(seq++, [TestBatch.Report(sid, 1, 0)]), token)).Cutoff.Count == 0,
            TimeSpan.FromSeconds(5), "the raised limit to reach Ingest through the change feed");
    }

    private async Task WaitForSinkAsync() =>
        await Poll.UntilAsync(async () => await Ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") == 0, SinkDeadline,
            "the ClickHouse sink to drain the spool", async () => $"backlog {await Ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes")}, " +
                $"failures {await Ingest.MetricAsync("vpnperf_ingest_clickhouse_failures_total")}");

    public void Dispose() => fixture.WriteLogTo(output);
}
