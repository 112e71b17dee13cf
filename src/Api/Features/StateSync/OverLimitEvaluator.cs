using System.Buffers;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>
/// Decides <c>subscriptions.is_over_limit</c> from the truth at this moment: the effective limit in Postgres and the
/// usage counter of the current period in Redis (<see cref="RedisKeys.Usage"/>, written by Ingest). Over means a limit
/// is set and usage is at or above it, as Ingest decides it. The flag and its audit entry (actor null = the system)
/// change in one transaction, and only when the flag differs, so repeated events and passes are harmless.
/// </summary>
internal sealed class OverLimitEvaluator(NpgsqlDataSource db, LiveUsage usage, TimeProvider time, ILogger<OverLimitEvaluator> logger)
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
        var keys = new List<UsageKey>();
        foreach (SubscriptionStateRow row in rows)
        {
            if (row.State is not { } state || (state.MaxTraffic is null && !row.IsOverLimit)) continue;
            candidates.Add(row);
            keys.Add(usage.KeyOf(row.Id, state, now));
        }
        if (candidates.Count == 0) return 0;
        long[] used = await usage.ReadAsync(keys, ct);
        int changed = 0;
        for (int i = 0; i < candidates.Count; i++)
        {
            bool over = IsOver(candidates[i].State!.MaxTraffic, used[i]);
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
        if (await StateSyncStore.LockAndReadAsync(conn, tx, subscriptionId, ct) is not { } row) return false;
        SubscriptionState state = row.State!;
        UsageKey key = usage.KeyOf(subscriptionId, state, time.GetUtcNow().ToUnixTimeMilliseconds());
        // The lock is held across this one GET so that two evaluators cannot interleave a read of old limits with a
        // write based on new ones; it is a single short round trip.
        long used = await usage.ReadAsync(key);
        bool over = IsOver(state.MaxTraffic, used);
        if (over == row.IsOverLimit) return false;

        if (!await StateSyncStore.SetOverLimitAsync(conn, tx, subscriptionId, over, ct)) return false;
        await AuditStore.AddAsync(conn, tx, null, over ? OverLimitAction : WithinLimitAction, AuditStore.Target("subscription", subscriptionId),
            Meta(source, key.PeriodStartMs, used, state.MaxTraffic), ct);
        await tx.CommitAsync(ct);
        StateSyncLog.OverLimitChanged(logger, subscriptionId, over, used, state.MaxTraffic ?? -1, source);
        return true;
    }

    private static bool IsOver(long? limit, long used) => limit is { } l && used >= l;

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
