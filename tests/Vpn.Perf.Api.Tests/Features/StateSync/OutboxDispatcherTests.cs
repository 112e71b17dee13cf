using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;
using static Vpn.Perf.Api.Tests.Features.StateSync.SyncTest;

namespace Vpn.Perf.Api.Tests.Features.StateSync;

[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class OutboxDispatcherTests
{
    [Fact]
    public async Task Dispatch_CommittedChange_IsPublishedAndRolledBackOneIsNot()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Dispatch_CommittedChange_IsPublishedAndRolledBackOneIsNot), Settings(DispatcherKeys));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using SyncRedis connection = await ConnectAsync(DispatcherKeys);
        IDatabase redis = connection.GetDatabase();
        _ = api.Services; // starts the host and its background services
        Guid owner = await InsertUserAsync(db);

        Guid committed = Ids.NewId();
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync())
        await using (NpgsqlTransaction tx = await conn.BeginTransactionAsync())
        {
            await using var cmd = new NpgsqlCommand(
                "insert into subscriptions (id, owner_id, secret, max_traffic, traffic_reset_period, reset_anchor, expires_at, is_suspended) " +
                "values ($1, $2, 's', 5000, 'P1M', '2024-01-31T00:00:00Z', '2030-01-01T00:00:00Z', true)", conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = committed });
            cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
            await cmd.ExecuteNonQueryAsync();
            await tx.CommitAsync();
        }
        await UntilAsync(async () => (await HashAsync(redis, committed)).Count > 0, "the committed subscription's state hash");
        Dictionary<string, string> hash = await HashAsync(redis, committed);
        Assert.Equal("5000", hash[SubscriptionState.Fields.MaxTraffic]);
        Assert.Equal("P1M", hash[SubscriptionState.Fields.ResetPeriod]);
        Assert.Equal(DateTimeOffset.Parse("2024-01-31T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), hash[SubscriptionState.Fields.ResetAnchor]);
        Assert.Equal("1", hash[SubscriptionState.Fields.Suspended]);
        Assert.Equal("1893456000000", hash[SubscriptionState.Fields.ExpiresAt]);
        await UntilAsync(async () => await OutboxCountAsync(db) == 0, "the published row to leave the outbox");

        Guid rolledBack = Ids.NewId();
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync())
        await using (NpgsqlTransaction tx = await conn.BeginTransactionAsync())
        {
            await using var cmd = new NpgsqlCommand("insert into subscriptions (id, owner_id, secret, max_traffic) values ($1, $2, 's', 1)", conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter { Value = rolledBack });
            cmd.Parameters.Add(new NpgsqlParameter { Value = owner });
            await cmd.ExecuteNonQueryAsync();
            await tx.RollbackAsync();
        }
        // A later commit is published only after every earlier notification was handled: once it is there, the
        // rolled-back insert had its chance and must have left nothing.
        Guid marker = await InsertSubscriptionAsync(db, owner);
        await UntilAsync(async () => (await HashAsync(redis, marker)).Count > 0, "the marker subscription's state hash");
        Assert.Empty(await HashAsync(redis, rolledBack));
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task Dispatch_ChangeRacingThePublish_IsPublishedAgain()
    {
        await using var proxy = new TcpFaultProxy(TestServers.RedisEndPoint.Host, TestServers.RedisEndPoint.Port);
        // Only Resume below may end the stalled publish: the Api's command timeout (5 s by default) would release the
        // claim by itself, and on a loaded machine it could do so before the racing update is seen waiting. This one
        // outlasts every wait of the test together (each gives up after SyncTest.Deadline), so nothing races it.
        TimeSpan stallLongerThanTheTest = TimeSpan.FromMinutes(5);
        await using var api = await ApiFactory.StartAsync(nameof(Dispatch_ChangeRacingThePublish_IsPublishedAgain),
            Settings(DispatcherKeys, proxy.Port, asyncTimeout: stallLongerThanTheTest));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using SyncRedis connection = await ConnectAsync(DispatcherKeys);
        IDatabase redis = connection.GetDatabase();
        _ = api.Services;
        Guid owner = await InsertUserAsync(db);
        // No limit yet: after publishing a limited subscription the dispatcher reads its usage from Redis (the over-limit
        // check), and a pause arriving during that read would hold the dispatcher there instead of in the next publish.
        // Without a limit the check makes no call, so once the outbox is empty the dispatcher has nothing left in flight.
        Guid sub = await InsertSubscriptionAsync(db, owner);
        await UntilAsync(async () => (await HashAsync(redis, sub)).Count > 0, "the first publish");
        await UntilAsync(async () => await OutboxCountAsync(db) == 0, "an empty outbox");

        // Redis answers nothing until Resume: the dispatcher claims the next change and waits in its publish.
        proxy.Pause();
        Task racing;
        try
        {
            await ExecAsync(db, "update subscriptions set max_traffic = 200 where id = $1", sub);
            await UntilAsync(async () => await ScalarAsync<long>(db,
                "select count(*) from state_outbox o where not exists (select 1 from state_outbox x where x.subscription_id = o.subscription_id for update skip locked)") == 1,
                "the dispatcher to hold the claimed row");

            // The racing change commits while that publish is in flight; its enqueue waits for the claim.
            racing = ExecAsync(db, "update subscriptions set max_traffic = 300 where id = $1", sub);
            await UntilAsync(async () => await ScalarAsync<long>(db,
                "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'update subscriptions%'") == 1,
                "the racing update to wait for the claimed row");
        }
        finally
        {
            // Also when a wait above fails: the Api's Redis connection, closing, waits for a stalled command until its
            // timeout (the five minutes above).
            proxy.Resume();
        }
        await racing;

        await UntilAsync(async () => (await HashAsync(redis, sub)).GetValueOrDefault(SubscriptionState.Fields.MaxTraffic) == "300",
            "the racing change to be published", () => DescribeAsync(redis, sub));
        await UntilAsync(async () => await OutboxCountAsync(db) == 0, "an empty outbox");
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task Dispatch_RedisDown_RowsStayAndArePublishedWhenItReturns()
    {
        await using var proxy = new TcpFaultProxy(TestServers.RedisEndPoint.Host, TestServers.RedisEndPoint.Port);
        await using var api = await ApiFactory.StartAsync(nameof(Dispatch_RedisDown_RowsStayAndArePublishedWhenItReturns), Settings(DispatcherKeys, proxy.Port));
        var log = new LogCapture();
        using WebApplicationFactory<Program> host = api.WithLog(log);
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using SyncRedis connection = await ConnectAsync(DispatcherKeys);
        IDatabase redis = connection.GetDatabase();
        proxy.Block();
        _ = host.Services;
        Guid owner = await InsertUserAsync(db);
        Guid[] subs = [await InsertSubscriptionAsync(db, owner, 1), await InsertSubscriptionAsync(db, owner, 2), await InsertSubscriptionAsync(db, owner, 3)];

        // Retries fail while Redis is unreachable; nothing may be lost meanwhile.
        await UntilDispatchFailedAsync(log, attempts: 3);
        Assert.Equal(3, await OutboxCountAsync(db));
        foreach (Guid sub in subs) Assert.Empty(await HashAsync(redis, sub));

        proxy.Unblock();
        foreach (Guid sub in subs)
            await UntilAsync(async () => (await HashAsync(redis, sub)).Count > 0, "publication after Redis returned");
        await UntilAsync(async () => await OutboxCountAsync(db) == 0, "an empty outbox");
    }

    [Fact]
    public async Task Dispatch_DeletedSubscription_RemovesItsHash()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Dispatch_DeletedSubscription_RemovesItsHash), Settings(DispatcherKeys));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using SyncRedis connection = await ConnectAsync(DispatcherKeys);
        IDatabase redis = connection.GetDatabase();
        _ = api.Services;
        Guid owner = await InsertUserAsync(db);
        Guid sub = await InsertSubscriptionAsync(db, owner, 10);
        await UntilAsync(async () => (await HashAsync(redis, sub)).Count > 0, "the first publish");

        await ExecAsync(db, "delete from subscriptions where id = $1", sub);
        await UntilAsync(async () => (await HashAsync(redis, sub)).Count == 0, "the hash to be deleted", () => DescribeAsync(redis, sub));
        await UntilAsync(async () => await OutboxCountAsync(db) == 0, "an empty outbox");
    }

    [Fact]
    public async Task Dispatch_InboundLinkedUnlinkedOrMoved_ScopeIsPublished()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Dispatch_InboundLinkedUnlinkedOrMoved_ScopeIsPublished), Settings(DispatcherKeys));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using SyncRedis connection = await ConnectAsync(DispatcherKeys);
        IDatabase redis = connection.GetDatabase();
        _ = api.Services;
        Guid owner = await InsertUserAsync(db);
        Guid sub = await InsertSubscriptionAsync(db, owner);
        Guid nodeA = Ids.NewId(), nodeB = Ids.NewId(), inbound = Ids.NewId();
        await ExecAsync(db, "insert into nodes (id, name) values ($1, $2), ($3, $4)", nodeA, "scope-a-" + nodeA, nodeB, "scope-b-" + nodeB);
        await ExecAsync(db, "insert into inbounds (id, node_id, tag, host, port, protocol) values ($1, $2, 'in', 'h', 443, 'vless')", inbound, nodeA);
        await UntilAsync(async () => (await HashAsync(redis, sub)).Count > 0, "the first publish");
        Assert.Equal("", (await HashAsync(redis, sub))[SubscriptionState.Fields.Scope]);

        // A hash from before scopes had their own keys carried the links in an "inbounds" field; a publish removes it.
        await redis.HashSetAsync(RedisKeys.SubscriptionState(sub, Buckets.DefaultCount), "inbounds", new string('0', 64));
        await ExecAsync(db, "insert into subscription_inbounds values ($1, $2)", sub, inbound);
        SubscriptionScope linkedA = SubscriptionScope.Of([new InboundLink(inbound, nodeA)]);
        await UntilAsync(async () => await ScopeTextAsync(redis, sub) == linkedA.Format(), "the link", () => DescribeAsync(redis, sub));
        Dictionary<string, string> hash = await HashAsync(redis, sub);
        Assert.Equal(linkedA.Id, hash[SubscriptionState.Fields.Scope]);
        Assert.False(hash.ContainsKey("inbounds"));
        TimeSpan? ttl = await redis.KeyTimeToLiveAsync(RedisKeys.Scope(linkedA.Id));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(1), RedisKeys.ScopeRetention);

        await ExecAsync(db, "update inbounds set node_id = $2 where id = $1", inbound, nodeB);
        string linkedB = SubscriptionScope.Of([new InboundLink(inbound, nodeB)]).Format();
        await UntilAsync(async () => await ScopeTextAsync(redis, sub) == linkedB, "the moved inbound", () => DescribeAsync(redis, sub));

        await ExecAsync(db, "delete from subscription_inbounds where subscription_id = $1", sub);
        await UntilAsync(async () => (await HashAsync(redis, sub)).GetValueOrDefault(SubscriptionState.Fields.Scope) == "", "the unlink", () => DescribeAsync(redis, sub));
    }
}
