using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>
/// Decides <c>subscriptions.is_over_limit</c> from the truth at this moment: the effective limit in Postgres and the
/// usage counter of the current period in Redis (<see cref="RedisKeys.Usage"/>, written by Ingest). Over means a limit
/// is set and usage is at or above it, as Ingest decides it. The flag and its audit entry (actor null = the system)
/// change in one transaction, and only when the flag differs, so repeated events and passes are harmless.
/// </summary>
internal sealed class OverLimitEvaluator(NpgsqlDataSource db, IDatabase redis, StatePublisher publisher, TimeProvider time, ILogger<OverLimitEvaluator> logger)
{
    public const string OverLimitAction = "subscription.over_limit";
    public const string WithinLimitAction = "subscription.within_limit";

    /// <summary>
    /// Cheap pass over rows already read (no lock): reads the usage of every subscription that has a limit or is
    /// flagged, in one pipelined round, and re-evaluates under a lock only those whose flag looks wrong.
    /// </summary>
    /// <returns>How many flags changed.</returns>
    public async Task<int> CheckAsync(IReadOnlyList<SubscriptionStateRow> rows, string source, CancellationToken ct)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var candidates = new List<SubscriptionStateRow>();
        var reads = new List<Task<RedisValue>>();
        foreach (SubscriptionStateRow row in rows)
        {
            if (row.State is not { } state || (state.MaxTraffic is null && !row.IsOverLimit)) continue;
            candidates.Add(row);
            reads.Add(redis.StringGetAsync(RedisKeys.Usage(row.Id, state.PeriodStart(now), publisher.BucketCount)));
        }
        if (candidates.Count == 0) return 0;
        await Task.WhenAll(reads).WaitAsync(ct);
        int changed = 0;
        for (int i = 0; i < candidates.Count; i++)
        {
            bool over = IsOver(candidates[i].State!.MaxTraffic, ParseUsage(reads[i].Result));
            if (over != candidates[i].IsOverLimit && await EvaluateAsync(candidates[i].Id, source, ct)) changed++;
        }
        return changed;
    }

    /// <summary>
    /// Evaluates one subscription under its row lock and sets or clears the flag with an audit entry when it differs.
    /// A subscription that no longer exists is nothing to do.
    /// </summary>
    /// <returns>True when the flag changed.</returns>
    public async Task<bool> EvaluateAsync(Guid subscriptionId, string source, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        await using (var lockCmd = new NpgsqlCommand(StateSyncSql.LockForEvaluation, conn, tx) { Parameters = { new() { Value = subscriptionId } } })
        {
            if (await lockCmd.ExecuteScalarAsync(ct) is null) return false;
        }
        SubscriptionStateRow row;
        await using (var read = new NpgsqlCommand(StateSyncSql.ReadOne, conn, tx) { Parameters = { new() { Value = subscriptionId } } })
        await using (NpgsqlDataReader reader = await read.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return false;
            row = SubscriptionStateRow.Read(reader, subscriptionId, 1);
        }
        SubscriptionState state = row.State!;
        long periodStart = state.PeriodStart(time.GetUtcNow().ToUnixTimeMilliseconds());
        // The lock is held across this one GET so that two evaluators cannot interleave a read of old limits with a
        // write based on new ones; it is a single short round trip.
        long used = ParseUsage(await redis.StringGetAsync(RedisKeys.Usage(subscriptionId, periodStart, publisher.BucketCount)).WaitAsync(ct));
        bool over = IsOver(state.MaxTraffic, used);
        if (over == row.IsOverLimit) return false;

        await using (var update = new NpgsqlCommand(StateSyncSql.SetOverLimit, conn, tx) { Parameters = { new() { Value = subscriptionId }, new() { Value = over } } })
        {
            if (await update.ExecuteNonQueryAsync(ct) == 0) return false;
        }
        await AuditStore.AddAsync(conn, tx, null, over ? OverLimitAction : WithinLimitAction, AuditStore.Target("subscription", subscriptionId),
            Meta(source, periodStart, used, state.MaxTraffic), ct);
        await tx.CommitAsync(ct);
        StateSyncLog.OverLimitChanged(logger, subscriptionId, over, used, state.MaxTraffic ?? -1, source);
        return true;
    }

    private static bool IsOver(long? limit, long used) => limit is { } l && used >= l;

    private static long ParseUsage(RedisValue value)
        => long.TryParse((string?)value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long used) ? used : 0;

    private static JsonElement Meta(string source, long periodStart, long used, long? limit)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("source", source);
            json.WriteNumber("periodStart", periodStart);
            json.WriteNumber("used", used);
            if (limit is { } l) json.WriteNumber("limit", l);
            else json.WriteNull("limit");
            json.WriteEndObject();
        }
        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }
}
