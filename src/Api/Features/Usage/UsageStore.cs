using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Api.Features.Usage;

/// <summary>
/// The usage endpoints' statements: Postgres look-ups (existence, ownership) and the ClickHouse rollup queries, whose
/// rows come back as points. A ClickHouse that cannot be reached throws <see cref="ClickHouseUnavailableException"/>.
/// </summary>
internal static class UsageStore
{
    /// <summary>$1 id, $2 the caller's own id when a customer, $3 when a reseller (<see cref="CallerScope"/>).</summary>
    private const string SubscriptionInScopeSql = "select 1 from subscriptions where id = $1 and ($2::uuid is null or owner_id = $2) and ($3::uuid is null or created_by = $3)";

    private const string NodeExistsSql = "select 1 from nodes where id = $1";

    private const string InboundExistsSql = "select 1 from inbounds where id = $1";

    // ClickHouse (docs/analytics.md). Steps are returned as unix seconds computed with toUnixTimestamp and intDiv, which do
    // not depend on the server's time zone; {from} and {to} are bound as toDateTime(unix seconds) or toDate(...).
    // Rollups are SummingMergeTree: always sum() ... GROUP BY, never read a row as final.

    /// <summary>Hourly usage of one subscription.</summary>
    private const string SubscriptionHourlySql = """
        SELECT toUnixTimestamp(hour) AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_hourly_by_subscription
        WHERE subscription_id = {id} AND hour >= {from} AND hour < {to}
        GROUP BY t
        ORDER BY t
        """;

    /// <summary>Daily usage of one subscription, derived from the hourly rollup (there is no daily one), by UTC day.</summary>
    private const string SubscriptionDailySql = """
        SELECT intDiv(toUnixTimestamp(hour), 86400) * 86400 AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_hourly_by_subscription
        WHERE subscription_id = {id} AND hour >= {from} AND hour < {to}
        GROUP BY t
        ORDER BY t
        """;

    /// <summary>Daily usage of one node; the date column comes back as yyyy-MM-dd.</summary>
    private const string NodeDailySql = """
        SELECT date, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_daily_by_node
        WHERE node_id = {id} AND date >= {from} AND date < {to}
        GROUP BY date
        ORDER BY date
        """;

    /// <summary>Daily usage of one inbound.</summary>
    private const string InboundDailySql = """
        SELECT date, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_daily_by_inbound
        WHERE inbound_id = {id} AND date >= {from} AND date < {to}
        GROUP BY date
        ORDER BY date
        """;

    /// <summary>The subscription's owner, null when there is no such subscription.</summary>
    /// <summary>Whether the subscription exists within the caller's <paramref name="scope"/>.</summary>
    public static async Task<bool> SubscriptionInScopeAsync(NpgsqlDataSource db, Guid id, CallerScope scope, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(SubscriptionInScopeSql).Arg(id, NpgsqlDbType.Uuid).Arg(scope.Owner, NpgsqlDbType.Uuid)
            .Arg(scope.Creator, NpgsqlDbType.Uuid);
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    public static Task<bool> NodeExistsAsync(NpgsqlDataSource db, Guid id, CancellationToken ct) => ExistsAsync(db, NodeExistsSql, id, ct);

    public static Task<bool> InboundExistsAsync(NpgsqlDataSource db, Guid id, CancellationToken ct) => ExistsAsync(db, InboundExistsSql, id, ct);

    /// <summary>A subscription's usage over the range, in its step (hour or day).</summary>
    public static Task<List<UsagePoint>> SubscriptionAsync(ClickHouseClient clickHouse, Guid id, UsageRange range, CancellationToken ct)
    {
        string sql = range.Step == UsageStep.Hour ? SubscriptionHourlySql : SubscriptionDailySql;
        var parameters = new ClickHouseParameters().Add("id", id).Add("from", range.From).Add("to", range.To);
        return QueryAsync(clickHouse, sql, parameters, dateColumn: false, ct);
    }

    /// <summary>A node's usage over the range, by day.</summary>
    public static Task<List<UsagePoint>> NodeAsync(ClickHouseClient clickHouse, Guid id, UsageRange range, CancellationToken ct)
        => QueryAsync(clickHouse, NodeDailySql, DailyParameters(id, range), dateColumn: true, ct);

    /// <summary>An inbound's usage over the range, by day.</summary>
    public static Task<List<UsagePoint>> InboundAsync(ClickHouseClient clickHouse, Guid id, UsageRange range, CancellationToken ct)
        => QueryAsync(clickHouse, InboundDailySql, DailyParameters(id, range), dateColumn: true, ct);

    private static ClickHouseParameters DailyParameters(Guid id, UsageRange range) => new ClickHouseParameters()
        .Add("id", id)
        .Add("from", DateOnly.FromDateTime(range.From.UtcDateTime))
        .Add("to", DateOnly.FromDateTime(range.To.UtcDateTime));

    private static async Task<bool> ExistsAsync(NpgsqlDataSource db, string sql, Guid id, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    private static async Task<List<UsagePoint>> QueryAsync(ClickHouseClient clickHouse, string sql, ClickHouseParameters parameters, bool dateColumn,
        CancellationToken ct)
    {
        List<string[]> rows = await clickHouse.QueryRowsAsync(sql, parameters, ct);
        var points = new List<UsagePoint>(rows.Count);
        foreach (string[] row in rows)
        {
            DateTimeOffset start = dateColumn
                ? new DateTimeOffset(DateOnly.ParseExact(row[0], "yyyy-MM-dd", CultureInfo.InvariantCulture).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
                : DateTimeOffset.FromUnixTimeSeconds(long.Parse(row[0], NumberStyles.None, CultureInfo.InvariantCulture));
            points.Add(new UsagePoint(start, ParseCount(row[1]), ParseCount(row[2]), ParseCount(row[3])));
        }
        return points;
    }

    /// <summary>UInt64 sums; a byte count beyond long.MaxValue (8 EiB) cannot happen for one resource, so it saturates.</summary>
    private static long ParseCount(string text)
        => ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) is var v && v > long.MaxValue ? long.MaxValue : (long)v;
}
