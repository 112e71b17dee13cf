using System.Globalization;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.StateSync;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;
using static Vpn.Perf.Api.Tests.Features.StateSync.SyncTest;

namespace Vpn.Perf.Api.Tests.Features.StateSync;

/// <summary>The consumer reads whole streams, so each test has a key prefix of its own (<see cref="FreshRedisAsync"/>).</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class OverLimitTests
{
    private const string Group = "api";

    [Fact]
    public async Task OverLimitEvent_Repeated_SetsFlagOnceWithOneAuditEntry()
    {
        await using SyncRedis connection = await FreshRedisAsync();
        IDatabase redis = connection.GetDatabase();
        await using var api = await ApiFactory.StartAsync(nameof(OverLimitEvent_Repeated_SetsFlagOnceWithOneAuditEntry), Settings(connection.KeyPrefix));
        await using NpgsqlDataSource db = api.OpenDataSource();
        _ = api.Services;
        // The reconciler's start-up pass re-checks flags too: on a loaded machine it can run after the usage below is set
        // and have the flag set by another path than the event. Holding its lock waits for a pass already under way (the
        // table is empty then) and makes a later one skip. A connection of its own: a pooled one is reset on return.
        await using NpgsqlConnection reconcilerLock = await db.OpenConnectionAsync();
        await using (var take = new NpgsqlCommand("select pg_advisory_lock($1)", reconcilerLock) { Parameters = { new() { Value = StateSyncStore.ReconcilerLockKey } } })
        {
            await take.ExecuteNonQueryAsync();
        }
        Guid owner = await InsertUserAsync(db);
        Guid sub = await InsertSubscriptionAsync(db, owner, maxTraffic: 1000);
        await SettleAsync(db, redis, owner);

        // What Ingest does when a report crosses the limit: the counter first, then the event.
        await redis.StringSetAsync(RedisKeys.Usage(sub, 0, Buckets.DefaultCount), "1500");
        string stream = RedisKeys.Events(Buckets.Of(sub, Buckets.DefaultCount));
        await AddEventAsync(redis, sub, 1500);
        await UntilAsync(async () => await ScalarAsync<bool>(db, "select is_over_limit from subscriptions where id = $1", sub), "the flag to be set");

        string second = await AddEventAsync(redis, sub, 1600);
        await UntilAsync(async () => await GroupAsync(redis, stream) is (0, var last) && last == second, "the repeated event to be acknowledged");
        Assert.Equal(1L, await ScalarAsync<long>(db,
            "select count(*) from audit_log where action = 'subscription.over_limit' and target = $1 and actor_id is null", "subscription:" + sub));
        Assert.Equal("event", await ScalarAsync<string>(db, "select meta->>'source' from audit_log where target = $1", "subscription:" + sub));
    }

    [Fact]
    public async Task OverLimitEvent_StreamsFlushedUnderTheConsumer_GroupsAreRecreatedAndTheEventCounts()
    {
        await using SyncRedis connection = await FreshRedisAsync();
        IDatabase redis = connection.GetDatabase();
        await using var api = await ApiFactory.StartAsync(nameof(OverLimitEvent_StreamsFlushedUnderTheConsumer_GroupsAreRecreatedAndTheEventCounts), Settings(connection.KeyPrefix));
        await using NpgsqlDataSource db = api.OpenDataSource();
        _ = api.Services;
        Guid owner = await InsertUserAsync(db);
        Guid sub = await InsertSubscriptionAsync(db, owner, maxTraffic: 1000);
        string stream = RedisKeys.Events(Buckets.Of(sub, Buckets.DefaultCount));
        await UntilAsync(async () => (await GroupAsync(redis, stream)).Pending == 0, "the consumer group on the subscription's stream");
        await SettleAsync(db, redis, owner);

        // Redis loses the streams and their groups (a flush, a restart without persistence): the consumer's next read
        // is answered NOGROUP, and it must create the groups again rather than fail forever.
        await connection.FlushAsync();
        await redis.StringSetAsync(RedisKeys.Usage(sub, 0, Buckets.DefaultCount), "1500");
        await AddEventAsync(redis, sub, 1500);

        await UntilAsync(async () => await ScalarAsync<bool>(db, "select is_over_limit from subscriptions where id = $1", sub), "the flag to be set");
        await UntilAsync(async () => (await GroupAsync(redis, stream)).Pending == 0, "the event to be acknowledged");
    }

    [Fact]
    public async Task RejectionNotice_SameNodeAndHourTwice_OneAuditEntryPerHour()
    {
        await using SyncRedis connection = await FreshRedisAsync();
        IDatabase redis = connection.GetDatabase();
        await using var api = await ApiFactory.StartAsync(nameof(RejectionNotice_SameNodeAndHourTwice_OneAuditEntryPerHour), Settings(connection.KeyPrefix));
        await using NpgsqlDataSource db = api.OpenDataSource();
        _ = api.Services;
        Guid node = Ids.NewId();
        const long Hour = 1_800_000_000_000 - (1_800_000_000_000 % 3_600_000);
        string target = "node:" + node;

        // What Ingest adds (at most once per node and hour; a redelivery, or a second instance's notice, must not double it).
        await AddNoticeAsync(redis, node, Hour, 3);
        string last = await AddNoticeAsync(redis, node, Hour, 5);
        await UntilAsync(async () => await GroupAsync(redis, RedisKeys.NodeRejections) is (0, var id) && id == last, "both notices to be acknowledged");
        Assert.Equal(1L, await ScalarAsync<long>(db, "select count(*) from audit_log where action = 'node.reports_rejected' and target = $1 and actor_id is null", target));
        Assert.Equal("3", await ScalarAsync<string>(db, "select meta->>'rejected' from audit_log where target = $1", target));

        last = await AddNoticeAsync(redis, node, Hour + 3_600_000, 1);
        await UntilAsync(async () => await GroupAsync(redis, RedisKeys.NodeRejections) is (0, var id) && id == last, "the next hour's notice to be acknowledged");
        Assert.Equal(2L, await ScalarAsync<long>(db, "select count(*) from audit_log where action = 'node.reports_rejected' and target = $1", target));
    }

    private static async Task<string> AddNoticeAsync(IDatabase redis, Guid node, long hour, int rejected) =>
        (await redis.StreamAddAsync(RedisKeys.NodeRejections, [new("node", node.ToString("N")), new("hour", hour.ToString(CultureInfo.InvariantCulture)),
            new("rejected", rejected.ToString(CultureInfo.InvariantCulture)), new("at", hour.ToString(CultureInfo.InvariantCulture))])).ToString();

    [Fact]
    public async Task OverLimitEvent_PendingWhenTheApiStopped_IsProcessedAfterRestart()
    {
        await using SyncRedis connection = await FreshRedisAsync();
        IDatabase redis = connection.GetDatabase();
        Dictionary<string, string?> settings = Settings(connection.KeyPrefix);
        settings["StateSync:ConsumerName"] = "restarted";
        settings["StateSync:ClaimMinIdle"] = "00:00:00.200";
        await using var first = await ApiFactory.StartAsync(nameof(OverLimitEvent_PendingWhenTheApiStopped_IsProcessedAfterRestart), settings);
        await using NpgsqlDataSource db = first.OpenDataSource();
        Guid owner = await InsertUserAsync(db);
        Guid own = await InsertSubscriptionAsync(db, owner, maxTraffic: 1000);
        Guid orphaned = await InsertSubscriptionAsync(db, owner, maxTraffic: 1000);

        // The state of the world when the Api died: events read (by this instance, and by one that never returns)
        // but not acknowledged, and the counters over the limit.
        // The two subscriptions may share a bucket, hence a stream: count what each stream should have pending.
        var pending = new Dictionary<string, int>();
        foreach (Guid sub in new[] { own, orphaned })
        {
            await redis.StringSetAsync(RedisKeys.Usage(sub, 0, Buckets.DefaultCount), "1200");
            string stream = RedisKeys.Events(Buckets.Of(sub, Buckets.DefaultCount));
            await CreateGroupAsync(redis, stream);
            await AddEventAsync(redis, sub, 1200);
            StreamEntry[] read = await redis.StreamReadGroupAsync(stream, Group, sub == own ? "restarted" : "gone", StreamPosition.NewMessages, 10);
            Assert.Single(read);
            pending[stream] = pending.GetValueOrDefault(stream) + 1;
            Assert.Equal(pending[stream], (await GroupAsync(redis, stream)).Pending);
        }

        _ = first.Services; // the restarted instance
        foreach (Guid sub in new[] { own, orphaned })
        {
            string stream = RedisKeys.Events(Buckets.Of(sub, Buckets.DefaultCount));
            await UntilAsync(async () => (await GroupAsync(redis, stream)).Pending == 0, "the pending event to be acknowledged");
            Assert.True(await ScalarAsync<bool>(db, "select is_over_limit from subscriptions where id = $1", sub));
            Assert.Equal(1L, await ScalarAsync<long>(db,
                "select count(*) from audit_log where action = 'subscription.over_limit' and target = $1", "subscription:" + sub));
        }
    }

    [Fact]
    public async Task OverLimitFlag_LimitRises_IsClearedWithAuditEntry()
    {
        await using SyncRedis connection = await FreshRedisAsync();
        IDatabase redis = connection.GetDatabase();
        await using var api = await ApiFactory.StartAsync(nameof(OverLimitFlag_LimitRises_IsClearedWithAuditEntry), Settings(connection.KeyPrefix));
        await using NpgsqlDataSource db = api.OpenDataSource();
        _ = api.Services;
        Guid sub = await InsertSubscriptionAsync(db, await InsertUserAsync(db), maxTraffic: 1000);
        await UntilAsync(async () => await OutboxCountAsync(db) == 0, "an empty outbox");
        await redis.StringSetAsync(RedisKeys.Usage(sub, 0, Buckets.DefaultCount), "1500");
        await AddEventAsync(redis, sub, 1500);
        await UntilAsync(async () => await ScalarAsync<bool>(db, "select is_over_limit from subscriptions where id = $1", sub), "the flag to be set");

        await ExecAsync(db, "update subscriptions set max_traffic = 2000 where id = $1", sub);

        await UntilAsync(async () => !await ScalarAsync<bool>(db, "select is_over_limit from subscriptions where id = $1", sub), "the flag to be cleared");
        Assert.Equal(1L, await ScalarAsync<long>(db,
            "select count(*) from audit_log where action = 'subscription.within_limit' and target = $1 and actor_id is null", "subscription:" + sub));
        Assert.Equal("2000", (await HashAsync(redis, sub))[SubscriptionState.Fields.MaxTraffic]);
    }

    [Fact]
    public async Task OverLimitFlag_PeriodReset_IsClearedByTheReconciler()
    {
        await using SyncRedis connection = await FreshRedisAsync();
        IDatabase redis = connection.GetDatabase();
        Dictionary<string, string?> settings = Settings(connection.KeyPrefix);
        settings["StateSync:ReconcileInterval"] = "00:00:00.300";
        await using var api = await ApiFactory.StartAsync(nameof(OverLimitFlag_PeriodReset_IsClearedByTheReconciler), settings);
        await using NpgsqlDataSource db = api.OpenDataSource();
        _ = api.Services;
        Guid owner = await InsertUserAsync(db);
        Guid sub = await InsertSubscriptionAsync(db, owner, maxTraffic: 1000, period: "P30D");
        await SettleAsync(db, redis, owner);

        // Flagged in the previous period (its counter is over the limit); the current period has no usage yet.
        long anchor = await ScalarAsync<long>(db, "select (extract(epoch from created_at) * 1000)::bigint from subscriptions where id = $1", sub);
        long previous = ResetPeriod.Parse("P30D").Boundary(anchor, -1);
        await redis.StringSetAsync(RedisKeys.Usage(sub, previous, Buckets.DefaultCount), "5000");
        await ExecAsync(db, "update subscriptions set is_over_limit = true where id = $1", sub);

        await UntilAsync(async () => !await ScalarAsync<bool>(db, "select is_over_limit from subscriptions where id = $1", sub), "the reconciler to clear the flag");
        Assert.Equal("reconciler", await ScalarAsync<string>(db,
            "select meta->>'source' from audit_log where action = 'subscription.within_limit' and target = $1", "subscription:" + sub));
    }

    private static Task<SyncRedis> FreshRedisAsync() => ConnectAsync(TestKeyPrefix.For("overlimit"));

    /// <summary>XADD as Ingest's usage script writes it.</summary>
    private static async Task<string> AddEventAsync(IDatabase redis, Guid sub, long used)
    {
        var c = CultureInfo.InvariantCulture;
        RedisValue id = await redis.StreamAddAsync(RedisKeys.Events(Buckets.Of(sub, Buckets.DefaultCount)),
        [
            new("subscription", sub.ToString("N")), new("period_start", "0"), new("used", used.ToString(c)), new("limit", "1000"),
            new("node", Ids.NewId().ToString("N")), new("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(c)),
        ]);
        return id.ToString();
    }

    private static async Task CreateGroupAsync(IDatabase redis, string stream)
    {
        try
        {
            await redis.StreamCreateConsumerGroupAsync(stream, Group, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>The group's pending count and last delivered id on <paramref name="stream"/>.</summary>
    private static async Task<(long Pending, string? LastDelivered)> GroupAsync(IDatabase redis, string stream)
    {
        foreach (StreamGroupInfo info in await redis.StreamGroupInfoAsync(stream))
        {
            if (info.Name == Group) return (info.PendingMessageCount, info.LastDeliveredId);
        }
        return (-1, null);
    }
}
