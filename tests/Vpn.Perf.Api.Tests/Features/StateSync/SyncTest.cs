using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Api.Data;
using System.Globalization;
using Npgsql;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

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

    /// <summary>The test Redis, database <paramref name="db"/>, optionally through a proxy port.</summary>
    public static string RedisFor(int db, int? port = null)
    {
        RedisOptions o = RedisOptions.Parse(TestServers.Redis);
        string auth = o.Password is null ? "" : $"{Uri.EscapeDataString(o.User ?? "")}:{Uri.EscapeDataString(o.Password)}@";
        return string.Create(CultureInfo.InvariantCulture, $"redis://{auth}{o.Host}:{port ?? o.Port}/{db}");
    }

    public static RedisOptions RedisBase => RedisOptions.Parse(TestServers.Redis);

    public static Task<RedisClient> ConnectAsync(int db) =>
        RedisClient.ConnectAsync(RedisOptions.Parse(RedisFor(db)), null, CancellationToken.None);

    /// <summary>Fast loops so tests wait for milliseconds, not the production defaults.</summary>
    public static Dictionary<string, string?> Settings(int db, int? port = null) => new()
    {
        ["ConnectionStrings:Redis"] = RedisFor(db, port),
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
    public static async Task SettleAsync(NpgsqlDataSource db, RedisClient redis, Guid owner)
    {
        Guid marker = await InsertSubscriptionAsync(db, owner);
        await UntilAsync(async () => (await HashAsync(redis, marker)).Count > 0, "the dispatcher to publish a marker subscription");
    }

    public static Task<long> OutboxCountAsync(NpgsqlDataSource db) => ScalarAsync<long>(db, "select count(*) from state_outbox");

    /// <summary>The state hash as field → value; empty when the key does not exist.</summary>
    public static async Task<Dictionary<string, string>> HashAsync(RedisClient redis, Guid subscriptionId)
    {
        RespValue reply = await redis.HGetAllAsync(RedisKeys.SubscriptionState(subscriptionId, Buckets.DefaultCount), CancellationToken.None);
        var hash = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < reply.Length; i += 2) hash[reply[i].AsString()!] = reply[i + 1].AsString()!;
        return hash;
    }

    /// <summary>The links under the scope key the state hash names; "" when it names none, null when that key is missing.</summary>
    public static async Task<string?> ScopeTextAsync(RedisClient redis, Guid subscriptionId)
    {
        string? id = (await HashAsync(redis, subscriptionId)).GetValueOrDefault(SubscriptionState.Fields.Scope);
        if (string.IsNullOrEmpty(id)) return "";
        return (await redis.ExecuteAsync("GET", [RedisKeys.Scope(id)], CancellationToken.None)).AsString();
    }

    public static async Task<string> DescribeAsync(RedisClient redis, Guid subscriptionId) =>
        string.Join(", ", (await HashAsync(redis, subscriptionId)).Select(kv => kv.Key + "=" + kv.Value));
}
