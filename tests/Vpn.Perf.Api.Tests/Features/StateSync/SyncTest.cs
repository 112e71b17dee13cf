using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.StateSync;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Features.StateSync;

/// <summary>
/// Shared pieces of the state sync tests. Redis: each test class owns a key prefix (the over-limit class, which reads
/// whole streams, a fresh one per test) that its Api gets as <c>Redis:KeyPrefix</c>, so the classes never meet on one
/// server or on a Cluster; tests use fresh UUIDv7 subscription ids.
/// </summary>
internal static class SyncTest
{
    public static readonly string DispatcherKeys = TestKeyPrefix.For("dispatcher");
    public static readonly string ReconcilerKeys = TestKeyPrefix.For("reconciler");

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>A connection of the test's own to the test Redis, through <paramref name="keyPrefix"/>.</summary>
    public static async Task<SyncRedis> ConnectAsync(string keyPrefix) => new(await TestServers.ConnectRedisAsync(), keyPrefix);

    /// <summary>
    /// Fast loops so tests wait for milliseconds, not the production defaults; the Api's keys start with
    /// <paramref name="keyPrefix"/>, and its Redis is optionally behind a proxy port and has another command timeout.
    /// </summary>
    public static Dictionary<string, string?> Settings(string keyPrefix, int? port = null, TimeSpan? asyncTimeout = null) => new()
    {
        ["ConnectionStrings:Redis"] = TestServers.RedisFor(port, asyncTimeout),
        ["Redis:KeyPrefix"] = keyPrefix,
        ["StateSync:Enabled"] = "true",
        ["StateSync:PollInterval"] = "00:00:00.200",
        ["StateSync:RetryBaseDelay"] = "00:00:00.050",
        ["StateSync:RetryMaxDelay"] = "00:00:00.500",
        ["StateSync:ReconcileInterval"] = "01:00:00",
        ["StateSync:EventBlock"] = "00:00:00.200",
    };

    /// <summary>Polls until <paramref name="probe"/> holds; every wait has a deadline and nothing asserts on time taken.</summary>
    public static async Task UntilAsync(Func<Task<bool>> probe, string what, Func<Task<string>>? describe = null)
    {
        DateTime end = DateTime.UtcNow + Deadline;
        while (!await probe())
        {
            if (DateTime.UtcNow >= end)
                Assert.Fail($"Timed out after {Deadline.TotalSeconds} s waiting for {what}." + (describe is null ? "" : " Last state: " + await describe()));
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Waits until the dispatcher has logged <paramref name="attempts"/> failed attempts: what a test of an outage
    /// waits for, rather than a time in which the attempts would probably have been made.
    /// </summary>
    public static Task UntilDispatchFailedAsync(LogCapture log, int attempts) => UntilAsync(
        () => Task.FromResult(log.Entries.Count(e => e.Category == typeof(OutboxDispatcher).FullName
            && e.Message.StartsWith("Outbox dispatch failed", StringComparison.Ordinal)) >= attempts),
        $"{attempts} failed dispatch attempt(s)");

    public static Task ExecAsync(NpgsqlDataSource db, string sql, params object[] args) => TestSql.ExecAsync(db, sql, args);

    public static Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, params object[] args) => TestSql.ScalarAsync<T>(db, sql, args);

    public static async Task<Guid> InsertUserAsync(NpgsqlDataSource db)
    {
        Guid id = Ids.NewId();
        await ExecAsync(db, "insert into users (id, email, password_hash, role) values ($1, $2, 'h', 'customer')", id, id.ToString("N") + "@test");
        return id;
    }

    public static async Task<Guid> InsertSubscriptionAsync(NpgsqlDataSource db, Guid owner, long? maxTraffic = null, string? period = null)
    {
        Guid id = Ids.NewId();
        await ExecAsync(db, "insert into subscriptions (id, owner_id, secret, max_traffic, traffic_reset_period) values ($1, $2, 's', $3, $4)",
            id, owner, (object?)maxTraffic ?? DBNull.Value, (object?)period ?? DBNull.Value);
        return id;
    }

    /// <summary>
    /// Waits until the dispatcher has finished with everything queued so far, including its over-limit check after
    /// the publish. It handles batches one after another and checks a batch after publishing it, so a marker seen
    /// published says only that its batch was taken: a second marker, inserted after that, lands in a later batch, and
    /// once it is published the first marker's batch (and every change queued before it) was checked too.
    /// </summary>
    public static async Task SettleAsync(NpgsqlDataSource db, IDatabase redis, Guid owner)
    {
        for (int marker = 0; marker < 2; marker++)
        {
            Guid id = await InsertSubscriptionAsync(db, owner);
            await UntilAsync(async () => (await HashAsync(redis, id)).Count > 0, "the dispatcher to publish a marker subscription");
        }
    }

    public static Task<long> OutboxCountAsync(NpgsqlDataSource db) => ScalarAsync<long>(db, "select count(*) from state_outbox");

    /// <summary>The state hash as field → value; empty when the key does not exist.</summary>
    public static async Task<Dictionary<string, string>> HashAsync(IDatabase redis, Guid subscriptionId)
    {
        HashEntry[] entries = await redis.HashGetAllAsync(RedisKeys.SubscriptionState(subscriptionId, Buckets.DefaultCount));
        return entries.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
    }

    /// <summary>The links under the scope key the state hash names; "" when it names none, null when that key is missing.</summary>
    public static async Task<string?> ScopeTextAsync(IDatabase redis, Guid subscriptionId)
    {
        string? id = (await HashAsync(redis, subscriptionId)).GetValueOrDefault(SubscriptionState.Fields.Scope);
        if (string.IsNullOrEmpty(id)) return "";
        return await redis.StringGetAsync(RedisKeys.Scope(id));
    }

    public static async Task<string> DescribeAsync(IDatabase redis, Guid subscriptionId) =>
        string.Join(", ", (await HashAsync(redis, subscriptionId)).Select(kv => kv.Key + "=" + kv.Value));
}
