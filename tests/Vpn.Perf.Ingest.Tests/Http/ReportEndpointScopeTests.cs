using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Wire.TrafficReport;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Http;

/// <summary>
/// Issue 10, part 1: a node token counts usage only for reports within its node's scope and within the bounds of a real
/// link; everything else is answered 200 with <c>rejected</c>, and neither counted in Redis nor stored in ClickHouse.
/// </summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class ReportEndpointScopeTests(ScopeFixture fixture, ITestOutputHelper output) : IClassFixture<ScopeFixture>, IDisposable
{
    private static readonly TimeSpan SinkDeadline = TimeSpan.FromSeconds(20);
    private IngestProcess Ingest => fixture.Ingest;

    [Fact]
    public async Task PostReport_NewNodeForSubscriptionItDoesNotServe_Accepted200RejectedAndNothingStored()
    {
        Guid honest = Guid.NewGuid(), honestInbound = Guid.NewGuid(), victim = Guid.NewGuid();
        await fixture.Redis.SeedSubscriptionAsync(victim, maxTraffic: 1L << 40);
        await fixture.Redis.LinkAsync(honest, [victim], honestInbound);
        var attacker = Guid.NewGuid(); // a brand-new node: no inbounds, no links
        string token = await fixture.Redis.SeedNodeTokenAsync(attacker);

        ReportResponse r = await Ingest.PostAcceptedAsync(
            TestBatch.Build(1, [TestBatch.Report(victim, 1UL << 30, 1UL << 30, Guid.NewGuid())], accessEvents: 1), token);

        Assert.Equal(0UL, r.Accepted);
        Assert.Equal(2UL, r.Rejected); // the report and its access event
        Assert.Empty(r.Cutoff);
        Assert.Equal(0, await fixture.Redis.UsedAsync(victim));
        Assert.Empty(await fixture.Redis.EventsForAsync(victim));
        await WaitForSinkAsync();
        var p = new ClickHouseParameters().Add("node", attacker);
        Assert.Equal(0, await fixture.ClickHouse.LongAsync("SELECT count() FROM traffic WHERE node_id = {node}", p));
        Assert.Equal(0, await fixture.ClickHouse.LongAsync("SELECT count() FROM access_log WHERE node_id = {node}", p));
        Assert.True(await Ingest.MetricAsync("vpnperf_ingest_rejected_total{reason=\"scope\"}") >= 2);
    }

    [Fact]
    public async Task PostReport_LinkedSubscriptionOnOwnInbound_CountedAndStored()
    {
        Guid node = Guid.NewGuid(), inbound = Guid.NewGuid(), sid = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        await fixture.Redis.LinkAsync(node, [sid], inbound);

        ReportResponse r = await Ingest.PostAcceptedAsync(TestBatch.Build(1, [TestBatch.Report(sid, 300, 400, inbound)], accessEvents: 1), token);

        Assert.Equal(2UL, r.Accepted);
        Assert.Equal(0UL, r.Rejected);
        Assert.Equal(700, await fixture.Redis.UsedAsync(sid));
        await WaitForSinkAsync();
        var p = new ClickHouseParameters().Add("node", node);
        Assert.Equal(1, await fixture.ClickHouse.LongAsync("SELECT count() FROM traffic WHERE node_id = {node}", p));
        Assert.Equal(1, await fixture.ClickHouse.LongAsync("SELECT count() FROM access_log WHERE node_id = {node}", p));
    }

    [Fact]
    public async Task PostReport_InboundOfAnotherNode_RejectedAndTheRestCounted()
    {
        Guid node = Guid.NewGuid(), own = Guid.NewGuid(), other = Guid.NewGuid(), foreign = Guid.NewGuid(), sid = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        await fixture.Redis.LinkAsync(node, [sid], own);
        await fixture.Redis.LinkAsync(other, [sid], foreign); // linked, but the inbound is the other node's

        ReportResponse r = await Ingest.PostAcceptedAsync(
            TestBatch.Build(1, [TestBatch.Report(sid, 1_000_000, 0, foreign), TestBatch.Report(sid, 5, 5, own)]), token);

        Assert.Equal(1UL, r.Accepted);
        Assert.Equal(1UL, r.Rejected);
        Assert.Equal(10, await fixture.Redis.UsedAsync(sid));
        await WaitForSinkAsync();
        Dictionary<(Guid Node, ulong Seq), (long Rows, long Up, long Down)> rows = await fixture.ClickHouse.TrafficByBatchAsync();
        Assert.Equal((1L, 5L, 5L), rows[(node, 1)]);
    }

    [Fact]
    public async Task PostReport_InboundUnlinkedAndNotified_RejectedOnceTheFeedDeliversIt()
    {
        Guid node = Guid.NewGuid(), inbound = Guid.NewGuid(), sid = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        await fixture.Redis.LinkAsync(node, [sid], inbound);
        Assert.Equal(0UL, (await Ingest.PostAcceptedAsync(TestBatch.Build(1, [TestBatch.Report(sid, 1, 1, inbound)]), token)).Rejected); // cached now

        await fixture.Redis.UnlinkAsync(sid, inbound);
        await fixture.Redis.NotifySubscriptionChangedAsync(sid);

        ulong seq = 2;
        await Poll.UntilAsync(async () => (await Ingest.PostAcceptedAsync(TestBatch.Build(seq++, [TestBatch.Report(sid, 1, 1, inbound)]), token)).Rejected == 1,
            TimeSpan.FromSeconds(5), "the unlink to reach Ingest through the change feed");
        long used = await fixture.Redis.UsedAsync(sid);
        Assert.Equal(1UL, (await Ingest.PostAcceptedAsync(TestBatch.Build(seq, [TestBatch.Report(sid, 1, 1, inbound)]), token)).Rejected);
        Assert.Equal(used, await fixture.Redis.UsedAsync(sid));
    }

    [Fact]
    public async Task PostReport_OverTheLinkCeilingOrOutsideTheTimeWindow_Rejected()
    {
        Guid node = Guid.NewGuid(), sid = Guid.NewGuid();
        string token = await fixture.Redis.SeedNodeTokenAsync(node);
        await fixture.Redis.LinkAsync(node, sid);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        const ulong CeilingPerSecond = 100_000_000_000 / 8; // the default, Ingest:MaxReportBitsPerSecond
        TrafficReport[] reports =
        [
            new(sid, Guid.Empty, CeilingPerSecond, 1, now, 1),                         // one byte over 100 Gbit/s for 1 s
            new(sid, Guid.Empty, CeilingPerSecond * 30, CeilingPerSecond * 30, now, 60), // exactly the ceiling: counted
            new(sid, Guid.Empty, 7, 0, now - (8 * 86_400), 60),                        // 8 days old
            new(sid, Guid.Empty, 9, 0, now + 600, 60),                                 // 10 minutes ahead
        ];

        ReportResponse r = await Ingest.PostAcceptedAsync(TestBatch.Build(1, reports), token);

        Assert.Equal(3UL, r.Rejected);
        Assert.Equal((long)(CeilingPerSecond * 60), await fixture.Redis.UsedAsync(sid));
        await WaitForSinkAsync();
        Assert.Equal((1L, (long)(CeilingPerSecond * 30), (long)(CeilingPerSecond * 30)), (await fixture.ClickHouse.TrafficByBatchAsync())[(node, 1)]);
    }

    private async Task WaitForSinkAsync() =>
        await Poll.UntilAsync(async () => await Ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes") == 0, SinkDeadline,
            "the ClickHouse sink to drain the spool", async () => $"backlog {await Ingest.MetricAsync("vpnperf_ingest_spool_backlog_bytes")}");

    public void Dispose() => fixture.WriteLogTo(output);
}
