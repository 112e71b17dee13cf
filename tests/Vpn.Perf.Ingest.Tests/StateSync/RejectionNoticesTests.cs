using StackExchange.Redis;
using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Ingest.Tests.StateSync;

/// <summary><see cref="RejectionNotices"/> against the real Redis (its own key prefix) with a clock moved by hand.</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class RejectionNoticesTests
{
    [Fact]
    public async Task PublishAsync_ManyRejectionsAcrossInstancesInOneHour_OneNoticePerNodeAndHour()
    {
        await using TestRedis redis = await TestRedis.OpenAsync(nameof(RejectionNoticesTests), IngestFixture.BucketCount);
        var time = new HandClock(DateTimeOffset.Parse("2026-03-01T10:15:00Z", System.Globalization.CultureInfo.InvariantCulture));
        RejectionNotices first = new(time), second = new(time); // two Ingest instances
        Guid node = Guid.NewGuid(), other = Guid.NewGuid();

        first.Record(node, 3);
        first.Record(other, 1);
        Assert.Equal(2, await first.PublishAsync(redis.Db, CancellationToken.None));
        first.Record(node, 4);
        second.Record(node, 2);
        time.Advance(TimeSpan.FromMinutes(44)); // 10:59, same hour
        Assert.Equal(0, await first.PublishAsync(redis.Db, CancellationToken.None));
        Assert.Equal(0, await second.PublishAsync(redis.Db, CancellationToken.None));

        time.Advance(TimeSpan.FromMinutes(2)); // 11:01
        second.Record(node, 1);
        Assert.Equal(1, await second.PublishAsync(redis.Db, CancellationToken.None));

        StreamEntry[] entries = await redis.Db.StreamRangeAsync(RedisKeys.NodeRejections);
        Assert.Equal(3, entries.Length);
        Assert.Equal(2, entries.Count(e => e["node"] == node.ToString("N")));
    }

    private sealed class HandClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
