using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Api.Data;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Tests.Features.StateSync;

/// <summary>
/// Shared pieces of the state sync tests. Redis: each test class owns one database number (listed here and nowhere
/// else; tests/Vpn.Perf.Ingest.Tests uses 1-8) and uses fresh UUIDv7 subscription ids, so only the over-limit class,
/// which reads whole streams, flushes its database.
/// </summary>
internal static class SyncTest
{
    public const int DispatcherDb = 10;
    public const int OverLimitDb = 11;
    public const int ReconcilerDb = 12;

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>This class's own connection to its database of the test Redis.</summary>
    public static Task<ConnectionMultiplexer> ConnectAsync(int db) => TestServers.ConnectRedisAsync(db);

    /// <summary>
    /// Fast loops so tests wait for milliseconds, not the production defaults; the Api's Redis is database
    /// <paramref name="db"/>, optionally through a proxy port and with another command timeout.
    /// </summary>
    public static Dictionary<string, string?> Settings(int db, int? port = null, TimeSpan? asyncTimeout = null) => new()
    {
        ["ConnectionStrings:Redis"] = TestServers.RedisFor(db, port, asyncTimeout),
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
    /// the publish: it handles batches one after another, so once a subscription inserted now is published, every
    /// earlier one was done.
    /// </summary>
    public static async Task SettleAsync(NpgsqlDataSource db, IDatabase redis, Guid owner)
    {
        Guid marker = await InsertSubscriptionAsync(db, owner);
        await UntilAsync(async () => (await HashAsync(redis, marker)).Count > 0, "the dispatcher to publish a marker subscription");
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
