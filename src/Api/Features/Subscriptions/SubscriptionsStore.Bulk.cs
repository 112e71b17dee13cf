using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// The bulk statements: one set-based statement each over the shared filter, counting or returning what it changed.
/// A reseller's scope is part of the filter, so its bulk changes reach only the subscriptions it created.
/// </summary>
internal static partial class SubscriptionsStore
{
    /// <summary>Filter, then $10 true to suspend / false to resume.</summary>
    private const string BulkSetSuspendedSql = """
        with changed as (
            update subscriptions set is_suspended = $10, version = version + 1
             where 
        """ + FilterSql + """

            returning id)
        select count(*)::int from changed
        """;

    /// <summary>Filter, then $10 months and $11 seconds of the ISO 8601 duration (calendar months, like ResetPeriod).</summary>
    private const string BulkExtendBySql = """
        with changed as (
            update subscriptions
               set expires_at = greatest(expires_at, $7::timestamptz) + make_interval(months => $10, secs => $11), version = version + 1
             where expires_at is not null and 
        """ + FilterSql + """

            returning id)
        select count(*)::int from changed
        """;

    /// <summary>Filter, then $10 the new expiry; an expiry already later is kept.</summary>
    private const string BulkExtendToSql = """
        with changed as (
            update subscriptions set expires_at = $10::timestamptz, version = version + 1
             where expires_at < $10::timestamptz and 
        """ + FilterSql + """

            returning id)
        select count(*)::int from changed
        """;

    /// <summary>Filter; returns each changed id with what locates its current usage key.</summary>
    private const string BulkResetUsageSql = """
        update subscriptions s set is_over_limit = false, version = s.version + 1
         where 
        """ + FilterSql + """

        returning s.id, (select l.traffic_reset_period from subscription_limits l where l.subscription_id = s.id),
                  coalesce(s.reset_anchor, s.created_at)
        """;

    private const string BulkDeleteSql = """
        with changed as (
            delete from subscriptions
             where 
        """ + FilterSql + """

            returning id)
        select count(*)::int from changed
        """;

    /// <summary>Extends every filtered expiry by <paramref name="by"/> from the later of that expiry and now; returns how many changed.</summary>
    public static async Task<int> BulkExtendByAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SubscriptionFilter filter, CallerScope scope, DateTimeOffset now, ResetPeriod by,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(BulkExtendBySql, conn, tx);
        cmd.Filter(filter, now, scope).Arg(by.Months, NpgsqlDbType.Integer).Arg(by.FixedMilliseconds / 1000.0, NpgsqlDbType.Double);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Moves every filtered expiry earlier than <paramref name="to"/> to it; returns how many changed.</summary>
    public static async Task<int> BulkExtendToAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SubscriptionFilter filter, CallerScope scope, DateTimeOffset now,
        DateTimeOffset? to, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(BulkExtendToSql, conn, tx);
        cmd.Filter(filter, now, scope).Arg(to);
        return (int)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public static async Task<int> BulkSetSuspendedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SubscriptionFilter filter, CallerScope scope, DateTimeOffset now, bool suspend,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(BulkSetSuspendedSql, conn, tx);
        return (int)(await cmd.Filter(filter, now, scope).Arg(suspend, NpgsqlDbType.Boolean).ExecuteScalarAsync(ct))!;
    }

    /// <summary>Clears the filtered over-limit flags; returns what locates each changed subscription's current usage key.</summary>
    public static async Task<List<UsagePeriod>> BulkResetUsageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SubscriptionFilter filter, CallerScope scope, DateTimeOffset now,
        CancellationToken ct)
    {
        var rows = new List<UsagePeriod>();
        await using var cmd = new NpgsqlCommand(BulkResetUsageSql, conn, tx);
        await using NpgsqlDataReader reader = await cmd.Filter(filter, now, scope).ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(ReadPeriod(reader, reader.GetGuid(0), 1));
        return rows;
    }

    public static async Task<int> BulkDeleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SubscriptionFilter filter, CallerScope scope, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(BulkDeleteSql, conn, tx);
        return (int)(await cmd.Filter(filter, now, scope).ExecuteScalarAsync(ct))!;
    }
}
