using System.Globalization;
using Npgsql;
using Vpn.Perf.Api.Features.Usage;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>
/// The analytics statements: the ClickHouse rollup queries (a ClickHouse that cannot be reached throws
/// <see cref="ClickHouseUnavailableException"/>) and the Postgres look-ups (nodes, counts). Each ClickHouse question and
/// step has its statement, reading the rollup whose granularity is the step, never <c>traffic</c>, bound with
/// <see cref="ClickHouseParameters"/>: <c>{from}</c> and <c>{to}</c> are <c>toDateTime(unix seconds)</c> for the hour and
/// minute rollups and <c>toDate(...)</c> for the daily ones, <c>{limit}</c> an integer. Bucket starts come back as unix
/// seconds (<c>toUnixTimestamp</c>, or the day number times 86400), which do not depend on the server's time zone.
/// Rollups are SummingMergeTree: always sum() ... GROUP BY. The bench (<c>analytics-queries</c>) times the same bound
/// statements (the <c>*Statement</c> methods) on 10 M rows.
/// </summary>
internal static class AnalyticsStore
{
    private const string NodesSql = "select id, name from nodes order by name, id limit $1";

    // The order of the config endpoint (ConfigFetch.GetAsync): suspended or owner disabled first, then expired; a
    // subscription over its limit gets the stub config, and the rest are served.
    private const string CountsSql = """
        select count(*),
               count(*) filter (where s.is_suspended or u.disabled),
               count(*) filter (where not (s.is_suspended or u.disabled) and s.expires_at <= $1),
               count(*) filter (where not (s.is_suspended or u.disabled) and (s.expires_at is null or s.expires_at > $1) and s.is_over_limit)
        from subscriptions s
        join users u on u.id = s.owner_id
        """;

    /// <summary>All traffic by hour (t, up, down, reports).</summary>
    private const string TotalHourlySql = """
        SELECT toUnixTimestamp(hour) AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_hourly_by_inbound
        WHERE hour >= {from} AND hour < {to}
        GROUP BY t
        ORDER BY t
        """;

    /// <summary>All traffic by day, from the node rollup (fewer rows than the inbound one).</summary>
    private const string TotalDailySql = """
        SELECT toUInt32(date) * 86400 AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_daily_by_node
        WHERE date >= {from} AND date < {to}
        GROUP BY t
        ORDER BY t
        """;

    /// <summary>Traffic per node by hour (node, t, up, down, reports).</summary>
    private const string ByNodeHourlySql = """
        SELECT node_id, toUnixTimestamp(hour) AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_hourly_by_inbound
        WHERE hour >= {from} AND hour < {to}
        GROUP BY node_id, t
        ORDER BY node_id, t
        """;

    /// <summary>Traffic per node by day.</summary>
    private const string ByNodeDailySql = """
        SELECT node_id, toUInt32(date) * 86400 AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_daily_by_node
        WHERE date >= {from} AND date < {to}
        GROUP BY node_id, t
        ORDER BY node_id, t
        """;

    /// <summary>Traffic per inbound by hour (inbound, t, up, down, reports).</summary>
    private const string ByInboundHourlySql = """
        SELECT inbound_id, toUnixTimestamp(hour) AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_hourly_by_inbound
        WHERE hour >= {from} AND hour < {to}
        GROUP BY inbound_id, t
        ORDER BY inbound_id, t
        """;

    /// <summary>Traffic per inbound by day.</summary>
    private const string ByInboundDailySql = """
        SELECT inbound_id, toUInt32(date) * 86400 AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_daily_by_inbound
        WHERE date >= {from} AND date < {to}
        GROUP BY inbound_id, t
        ORDER BY inbound_id, t
        """;

    /// <summary>
    /// The subscriptions with the most bytes (up + down) over whole days, ties by id (subscription, total, up, down,
    /// reports). The weeks [{weeks_from}, {weeks_to}) come from the weekly rollup; the range's days outside them are added
    /// from the daily one and the weeks' days outside the range subtracted (signed sums; a subscription whose reports
    /// net to zero had traffic only outside the range). <see cref="TopParameters"/> picks the weeks so that at most four
    /// days are added or two subtracted at each end: the bench's 30 days (Friday to Saturday) read four weeks and four
    /// days instead of three weeks and nine days (docs/perf.md, "operator analytics").
    /// </summary>
    private const string TopSubscriptionsSql = """
        SELECT subscription_id, sum(up) + sum(down) AS total, sum(up), sum(down), sum(n)
        FROM
        (
            SELECT subscription_id, toInt64(bytes_up) AS up, toInt64(bytes_down) AS down, toInt64(reports) AS n
            FROM traffic_weekly_by_subscription
            WHERE week >= {weeks_from} AND week < {weeks_to}
            UNION ALL
            SELECT subscription_id, toInt64(bytes_up) AS up, toInt64(bytes_down) AS down, toInt64(reports) AS n
            FROM traffic_daily_by_subscription
            WHERE date >= {from} AND date < {to} AND (date < {weeks_from} OR date >= {weeks_to})
            UNION ALL
            SELECT subscription_id, -toInt64(bytes_up) AS up, -toInt64(bytes_down) AS down, -toInt64(reports) AS n
            FROM traffic_daily_by_subscription
            WHERE date >= {weeks_from} AND date < {weeks_to} AND (date < {from} OR date >= {to})
        )
        GROUP BY subscription_id
        HAVING sum(n) > 0
        ORDER BY total DESC, subscription_id
        LIMIT {limit}
        """;

    /// <summary>
    /// Per node over whole minutes of arrival: reports, bytes, and the distinct subscriptions reported (node, reports,
    /// up, down, subscriptions). States merge as set unions, so the count is exact on shards too.
    /// </summary>
    private const string NodeActivitySql = """
        SELECT node_id, sum(reports), sum(bytes_up), sum(bytes_down), uniqExactMerge(subscriptions)
        FROM traffic_minutely_by_node
        WHERE minute >= {from} AND minute < {to}
        GROUP BY node_id
        ORDER BY node_id
        """;

    /// <summary>All traffic over the range, in its step.</summary>
    public static async Task<List<AnalyticsPoint>> TotalAsync(ClickHouseClient clickHouse, UsageRange range, CancellationToken ct)
    {
        (string sql, ClickHouseParameters parameters) = TotalStatement(range);
        List<string[]> rows = await clickHouse.QueryRowsAsync(sql, parameters, ct);
        double seconds = UsageRange.Width(range.Step).TotalSeconds;
        var points = new List<AnalyticsPoint>(rows.Count);
        foreach (string[] row in rows) points.Add(Point(row, 0, seconds));
        return points;
    }

    /// <summary>Traffic over the range per node (<paramref name="byInbound"/> false) or per inbound, in its step.</summary>
    public static async Task<List<AnalyticsSeries>> BreakdownAsync(ClickHouseClient clickHouse, UsageRange range, bool byInbound, CancellationToken ct)
    {
        (string sql, ClickHouseParameters parameters) = BreakdownStatement(range, byInbound);
        List<string[]> rows = await clickHouse.QueryRowsAsync(sql, parameters, ct);
        double seconds = UsageRange.Width(range.Step).TotalSeconds;
        var series = new List<AnalyticsSeries>();
        // Rows come ordered by id, then time: each run of one id is a series.
        int start = 0;
        while (start < rows.Count)
        {
            string id = rows[start][0];
            int end = start;
            var points = new List<AnalyticsPoint>();
            while (end < rows.Count && string.Equals(rows[end][0], id, StringComparison.Ordinal)) points.Add(Point(rows[end++], 1, seconds));
            series.Add(Series(Guid.Parse(id, CultureInfo.InvariantCulture), points));
            start = end;
        }
        return series;
    }

    /// <summary>The <paramref name="limit"/> subscriptions with the most traffic over the range's whole days.</summary>
    public static async Task<List<TopSubscription>> TopAsync(ClickHouseClient clickHouse, UsageRange range, int limit, CancellationToken ct)
    {
        (string sql, ClickHouseParameters parameters) = TopStatement(range, limit);
        List<string[]> rows = await clickHouse.QueryRowsAsync(sql, parameters, ct);
        var top = new List<TopSubscription>(rows.Count);
        foreach (string[] row in rows)
            top.Add(new TopSubscription(Guid.Parse(row[0], CultureInfo.InvariantCulture), Count(row[1]), Count(row[2]), Count(row[3]), Count(row[4])));
        return top;
    }

    /// <summary>What each node reported over [from, to) (whole minutes); nodes that reported nothing are absent.</summary>
    public static async Task<Dictionary<Guid, NodeTraffic>> NodeTrafficAsync(ClickHouseClient clickHouse, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        (string sql, ClickHouseParameters parameters) = NodeTrafficStatement(from, to);
        List<string[]> rows = await clickHouse.QueryRowsAsync(sql, parameters, ct);
        var traffic = new Dictionary<Guid, NodeTraffic>(rows.Count);
        foreach (string[] row in rows)
            traffic[Guid.Parse(row[0], CultureInfo.InvariantCulture)] = new NodeTraffic(Count(row[1]), Count(row[2]), Count(row[3]), Count(row[4]));
        return traffic;
    }

    /// <summary>Up to <paramref name="max"/> nodes by name.</summary>
    public static async Task<List<(Guid Id, string Name)>> NodesAsync(NpgsqlDataSource db, int max, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(NodesSql);
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
        await using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct);
        var nodes = new List<(Guid, string)>();
        while (await reader.ReadAsync(ct)) nodes.Add((reader.GetGuid(0), reader.GetString(1)));
        return nodes;
    }

    /// <summary>Subscriptions by state at <paramref name="now"/>.</summary>
    public static async Task<SubscriptionCounts> CountsAsync(NpgsqlDataSource db, DateTimeOffset now, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(CountsSql);
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        await using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        long total = reader.GetInt64(0), suspended = reader.GetInt64(1), expired = reader.GetInt64(2), overLimit = reader.GetInt64(3);
        return new SubscriptionCounts(now, total, total - suspended - expired - overLimit, expired, suspended, overLimit);
    }

    /// <summary>The statement of <see cref="TotalAsync"/>.</summary>
    public static (string Sql, ClickHouseParameters Parameters) TotalStatement(UsageRange range)
        => (range.Step == UsageStep.Hour ? TotalHourlySql : TotalDailySql, RangeParameters(range));

    /// <summary>The statement of <see cref="BreakdownAsync"/>.</summary>
    public static (string Sql, ClickHouseParameters Parameters) BreakdownStatement(UsageRange range, bool byInbound)
    {
        string sql = (byInbound, range.Step) switch
        {
            (false, UsageStep.Hour) => ByNodeHourlySql,
            (false, _) => ByNodeDailySql,
            (true, UsageStep.Hour) => ByInboundHourlySql,
            (true, _) => ByInboundDailySql,
        };
        return (sql, RangeParameters(range));
    }

    /// <summary>The statement of <see cref="TopAsync"/>.</summary>
    public static (string Sql, ClickHouseParameters Parameters) TopStatement(UsageRange range, int limit)
        => (TopSubscriptionsSql, TopParameters(DateOnly.FromDateTime(range.From.UtcDateTime), DateOnly.FromDateTime(range.To.UtcDateTime), limit));

    /// <summary>The statement of <see cref="NodeTrafficAsync"/>.</summary>
    public static (string Sql, ClickHouseParameters Parameters) NodeTrafficStatement(DateTimeOffset from, DateTimeOffset to)
        => (NodeActivitySql, new ClickHouseParameters().Add("from", from).Add("to", to));

    /// <summary>
    /// The parameters of <see cref="TopSubscriptionsSql"/> for the days [<paramref name="from"/>, <paramref name="to"/>)
    /// and the limit: the weeks (Monday to Sunday, as <c>toMonday</c> counts them) read from the weekly rollup. The days
    /// before the first Monday in the range are added one by one, or, when there are five or six of them, that week is
    /// read whole and its one or two days before <paramref name="from"/> subtracted; the same at the end.
    /// </summary>
    private static ClickHouseParameters TopParameters(DateOnly from, DateOnly to, int limit)
    {
        DateOnly firstMonday = from.AddDays(((int)DayOfWeek.Monday - (int)from.DayOfWeek + 7) % 7);
        DateOnly lastMonday = to.AddDays(-(((int)to.DayOfWeek - (int)DayOfWeek.Monday + 7) % 7));
        // No Monday in [from, to]: at most six days, all read from the daily rollup (empty weeks, nothing subtracted).
        (DateOnly weeksFrom, DateOnly weeksTo) = (from, from);
        if (firstMonday <= lastMonday)
        {
            // A week costs about as many rows as a day (its subscriptions, summed), so four days are read as they are and
            // five or six as their week less the other days.
            weeksFrom = firstMonday.DayNumber - from.DayNumber >= 5 ? firstMonday.AddDays(-7) : firstMonday;
            weeksTo = to.DayNumber - lastMonday.DayNumber >= 5 ? lastMonday.AddDays(7) : lastMonday;
        }
        return new ClickHouseParameters().Add("from", from).Add("to", to).Add("weeks_from", weeksFrom).Add("weeks_to", weeksTo).Add("limit", limit);
    }

    /// <summary>The range as the rollup of its step takes it: unix seconds for the hourly one, dates for the daily ones.</summary>
    private static ClickHouseParameters RangeParameters(UsageRange range) => range.Step == UsageStep.Hour
        ? new ClickHouseParameters().Add("from", range.From).Add("to", range.To)
        : new ClickHouseParameters().Add("from", DateOnly.FromDateTime(range.From.UtcDateTime)).Add("to", DateOnly.FromDateTime(range.To.UtcDateTime));

    private static AnalyticsPoint Point(string[] row, int first, double seconds)
    {
        long up = Count(row[first + 1]), down = Count(row[first + 2]);
        return new AnalyticsPoint(DateTimeOffset.FromUnixTimeSeconds(long.Parse(row[first], NumberStyles.None, CultureInfo.InvariantCulture)),
            up, down, Count(row[first + 3]), up / seconds, down / seconds);
    }

    private static AnalyticsSeries Series(Guid id, List<AnalyticsPoint> points)
    {
        (long up, long down, long reports) = Sum(points);
        return new AnalyticsSeries(id, up, down, reports, points);
    }

    /// <summary>The totals of a series.</summary>
    public static (long BytesUp, long BytesDown, long Reports) Sum(IReadOnlyList<AnalyticsPoint> points)
    {
        long up = 0, down = 0, reports = 0;
        foreach (AnalyticsPoint point in points)
        {
            up += point.BytesUp;
            down += point.BytesDown;
            reports += point.Reports;
        }
        return (up, down, reports);
    }

    /// <summary>UInt64 sums; beyond long.MaxValue (8 EiB) cannot happen for a range of one deployment, so it saturates.</summary>
    private static long Count(string text)
        => ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) is var v && v > long.MaxValue ? long.MaxValue : (long)v;
}
