using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>Builds the subscription commands and reads their rows; the list command is the one the index test explains.</summary>
internal static class SubscriptionQueries
{
    /// <summary>The page query of <c>GET /api/v1/subscriptions</c>; <paramref name="take"/> is the page size (one more row is read).</summary>
    public static NpgsqlCommand ListCommand(NpgsqlConnection conn, SubscriptionFilter filter, Guid? scopeOwner, DateTimeOffset now, Guid? after, int take)
        => new NpgsqlCommand(SubscriptionsSql.List, conn)
            .Filter(filter, now, scopeOwner)
            .Arg(after, NpgsqlDbType.Uuid)
            .Arg(take + 1, NpgsqlDbType.Integer);

    /// <summary>Binds $1-$8 of the shared filter.</summary>
    public static NpgsqlCommand Filter(this NpgsqlCommand cmd, SubscriptionFilter filter, DateTimeOffset now, Guid? scopeOwner) => cmd
        .Arg(filter.Owner, NpgsqlDbType.Uuid)
        .Arg(filter.Suspended, NpgsqlDbType.Boolean)
        .Arg(filter.OverLimit, NpgsqlDbType.Boolean)
        .Arg(filter.Expired, NpgsqlDbType.Boolean)
        .Arg(filter.ExpiringBefore)
        .Arg(SqlLike.Contains(filter.Q), NpgsqlDbType.Text)
        .Arg(now)
        .Arg(scopeOwner, NpgsqlDbType.Uuid);

    /// <summary><paramref name="linkPrefix"/>: what each row's token is appended to (<see cref="Configs.ConfigLinks.PrefixFor"/>).</summary>
    public static async Task<List<SubscriptionDto>> ReadAllAsync(NpgsqlCommand cmd, DateTimeOffset now, string linkPrefix, CancellationToken ct)
    {
        var rows = new List<SubscriptionDto>();
        await using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(Read(reader, now, linkPrefix));
        return rows;
    }

    public static async Task<SubscriptionDto?> GetAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, Guid? scopeOwner, DateTimeOffset now,
        string linkPrefix, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(SubscriptionsSql.Get, conn, tx);
        cmd.Arg(id, NpgsqlDbType.Uuid).Arg(scopeOwner, NpgsqlDbType.Uuid);
        List<SubscriptionDto> rows = await ReadAllAsync(cmd, now, linkPrefix, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Adds live usage to the rows, in one Redis round for all of them.</summary>
    public static async Task<List<SubscriptionDto>> WithUsageAsync(this List<SubscriptionDto> rows, UsageStore usage, DateTimeOffset now, CancellationToken ct)
    {
        long nowMs = now.ToUnixTimeMilliseconds();
        var keys = new UsageKey[rows.Count];
        for (int i = 0; i < rows.Count; i++) keys[i] = usage.KeyOf(rows[i].Id, rows[i].Effective.TrafficResetPeriod, rows[i].ResetAnchor, nowMs);
        long[]? used = await usage.ReadAsync(keys, ct);
        if (used is null) return rows;
        for (int i = 0; i < rows.Count; i++) rows[i] = rows[i] with { Usage = new SubscriptionUsage(used[i], keys[i].PeriodStart) };
        return rows;
    }

    private static SubscriptionDto Read(NpgsqlDataReader r, DateTimeOffset now, string linkPrefix)
    {
        DateTimeOffset? expires = r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5);
        return new SubscriptionDto(
            r.GetGuid(0), linkPrefix + r.GetString(16), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), expires,
            Int64(r, 6), Int64(r, 7), Text(r, 8), r.GetFieldValue<DateTimeOffset>(9),
            r.GetBoolean(10), r.GetBoolean(11), expires <= now, r.GetInt64(12),
            new EffectiveLimits(Int64(r, 13), Int64(r, 14), Text(r, 15)), null);
    }

    private static long? Int64(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
