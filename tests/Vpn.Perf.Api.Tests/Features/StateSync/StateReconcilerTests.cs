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
public sealed class StateReconcilerTests
{
    [Fact]
    public async Task Reconcile_DeletedHashAndTamperedField_AreRepaired()
    {
        Dictionary<string, string?> settings = Settings(ReconcilerKeys);
        settings["StateSync:ReconcileInterval"] = "00:00:00.300";
        settings["StateSync:ReconcilePageSize"] = "2"; // several keyset pages for four subscriptions
        await using var api = await ApiFactory.StartAsync(nameof(Reconcile_DeletedHashAndTamperedField_AreRepaired), settings);
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using SyncRedis connection = await ConnectAsync(ReconcilerKeys);
        IDatabase redis = connection.GetDatabase();
        _ = api.Services;
        Guid owner = await InsertUserAsync(db);
        Guid[] subs = [await InsertSubscriptionAsync(db, owner, 1), await InsertSubscriptionAsync(db, owner, 2),
            await InsertSubscriptionAsync(db, owner, 3, "P30D"), await InsertSubscriptionAsync(db, owner, 4)];
        foreach (Guid sub in subs) await UntilAsync(async () => (await HashAsync(redis, sub)).Count > 0, "the first publish");
        await UntilAsync(async () => await OutboxCountAsync(db) == 0, "an empty outbox");

        // Drift the outbox cannot see: a lost key (as after a flush) and a field changed behind the Api's back.
        await redis.KeyDeleteAsync(RedisKeys.SubscriptionState(subs[0], Buckets.DefaultCount));
        await redis.HashSetAsync(RedisKeys.SubscriptionState(subs[2], Buckets.DefaultCount), SubscriptionState.Fields.ResetPeriod, "P1D");

        await UntilAsync(async () => (await HashAsync(redis, subs[0])).GetValueOrDefault(SubscriptionState.Fields.MaxTraffic) == "1",
            "the deleted hash to be restored", () => DescribeAsync(redis, subs[0]));
        await UntilAsync(async () => (await HashAsync(redis, subs[2])).GetValueOrDefault(SubscriptionState.Fields.ResetPeriod) == "P30D",
            "the tampered field to be restored", () => DescribeAsync(redis, subs[2]));
        Assert.Equal("4", (await HashAsync(redis, subs[3]))[SubscriptionState.Fields.MaxTraffic]);
    }

    [Fact]
    public async Task Reconcile_LostScopeKey_IsWrittenAgain()
    {
        Dictionary<string, string?> settings = Settings(ReconcilerKeys);
        settings["StateSync:ReconcileInterval"] = "00:00:00.300";
        await using var api = await ApiFactory.StartAsync(nameof(Reconcile_LostScopeKey_IsWrittenAgain), settings);
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using SyncRedis connection = await ConnectAsync(ReconcilerKeys);
        IDatabase redis = connection.GetDatabase();
        _ = api.Services;
        Guid owner = await InsertUserAsync(db);
        Guid sub = await InsertSubscriptionAsync(db, owner, 1);
        Guid node = Ids.NewId(), inbound = Ids.NewId();
        await ExecAsync(db, "insert into nodes (id, name) values ($1, $2)", node, "lost-scope-" + node);
        await ExecAsync(db, "insert into inbounds (id, node_id, tag, host, port, protocol) values ($1, $2, 'in', 'h', 443, 'vless')", inbound, node);
        await ExecAsync(db, "insert into subscription_inbounds values ($1, $2)", sub, inbound);
        SubscriptionScope scope = SubscriptionScope.Of([new InboundLink(inbound, node)]);
        await UntilAsync(async () => await ScopeTextAsync(redis, sub) == scope.Format(), "the first publish", () => DescribeAsync(redis, sub));
        await UntilAsync(async () => await OutboxCountAsync(db) == 0, "an empty outbox");

        // The hash still names the scope, but its key is gone (a flush of some keys, an expiry while the Api was down).
        await redis.KeyDeleteAsync(RedisKeys.Scope(scope.Id));

        await UntilAsync(async () => await ScopeTextAsync(redis, sub) == scope.Format(), "the scope key to be written again", () => DescribeAsync(redis, sub));
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task Reconcile_RedisBackAfterOutageWithoutItsData_RepairsWithoutWaitingForTheInterval()
    {
        await using var proxy = new TcpFaultProxy(TestServers.RedisEndPoint.Host, TestServers.RedisEndPoint.Port);
        Dictionary<string, string?> settings = Settings(ReconcilerKeys, proxy.Port); // next periodic pass: in an hour
        await using var api = await ApiFactory.StartAsync(nameof(Reconcile_RedisBackAfterOutageWithoutItsData_RepairsWithoutWaitingForTheInterval), settings);
        var log = new LogCapture();
        using WebApplicationFactory<Program> host = api.WithLog(log);
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using SyncRedis connection = await ConnectAsync(ReconcilerKeys);
        IDatabase redis = connection.GetDatabase();
        _ = host.Services;
        Guid owner = await InsertUserAsync(db);
        Guid sub = await InsertSubscriptionAsync(db, owner, 7);
        await UntilAsync(async () => (await HashAsync(redis, sub)).Count > 0, "the first publish");

        // Redis goes away and comes back without the hash (restarted without persistence); a change queued meanwhile
        // makes the dispatcher fail and then recover.
        proxy.Block();
        await redis.KeyDeleteAsync(RedisKeys.SubscriptionState(sub, Buckets.DefaultCount));
        Guid queued = await InsertSubscriptionAsync(db, owner, 8);
        await UntilDispatchFailedAsync(log, attempts: 1);
        proxy.Unblock();

        await UntilAsync(async () => (await HashAsync(redis, queued)).Count > 0, "the queued change to be published");
        await UntilAsync(async () => (await HashAsync(redis, sub)).GetValueOrDefault(SubscriptionState.Fields.MaxTraffic) == "7",
            "the lost hash to be restored by a pass the recovery requested", () => DescribeAsync(redis, sub));
    }
}
