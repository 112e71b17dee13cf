using Vpn.Perf.Ingest.Pipeline;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest.Tests.Pipeline;

/// <summary><see cref="RejectionNotices"/> against the real Redis (its own database) with a clock moved by hand.</summary>
public sealed class RejectionNoticesTests
{
    [Fact]
    public async Task PublishAsync_ManyRejectionsAcrossInstancesInOneHour_OneNoticePerNodeAndHour()
    {
        await using TestRedis redis = await TestRedis.OpenAsync(TestServers.RedisDb.RejectionNotices, IngestFixture.BucketCount);
        var time = new HandClock(DateTimeOffset.Parse("2026-03-01T10:15:00Z", System.Globalization.CultureInfo.InvariantCulture));
        RejectionNotices first = new(time), second = new(time); // two Ingest instances
        Guid node = Guid.NewGuid(), other = Guid.NewGuid();

        first.Record(node, 3);
        first.Record(other, 1);
        Assert.Equal(2, await first.PublishAsync(redis.Client, CancellationToken.None));
        first.Record(node, 4);
        second.Record(node, 2);
        time.Advance(TimeSpan.FromMinutes(44)); // 10:59, same hour
        Assert.Equal(0, await first.PublishAsync(redis.Client, CancellationToken.None));
        Assert.Equal(0, await second.PublishAsync(redis.Client, CancellationToken.None));

        time.Advance(TimeSpan.FromMinutes(2)); // 11:01
        second.Record(node, 1);
        Assert.Equal(1, await second.PublishAsync(redis.Client, CancellationToken.None));

        RespValue entries = await redis.Client.ExecuteAsync("XRANGE", [RedisKeys.NodeRejections, "-", "+"], CancellationToken.None);
        Assert.Equal(3, entries.Length);
        Assert.Equal(2, Enumerable.Range(0, entries.Length).Count(i => entries[i][1][1].AsString() == node.ToString("N")));
    }

    private sealed class HandClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
