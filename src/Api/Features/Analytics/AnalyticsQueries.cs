using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>
/// The ClickHouse statements of the operator analytics (docs/analytics.md, "Operator analytics endpoints"), one per
/// question and step, each reading the rollup whose granularity is the step, never <c>traffic</c>. Bound with
/// <see cref="Shared.ClickHouse.ClickHouseParameters"/>: <c>{from}</c> and <c>{to}</c> are <c>toDateTime(unix seconds)</c> for
/// the hour and minute rollups and <c>toDate(...)</c> for the daily ones, <c>{limit}</c> an integer. Bucket starts come
/// back as unix seconds (<c>toUnixTimestamp</c>, or the day number times 86400), which do not depend on the server's
/// time zone. Rollups are SummingMergeTree: always sum() ... GROUP BY. The bench (<c>analytics-queries</c>) times these
/// same constants on 10 M rows.
/// </summary>
internal static class AnalyticsQueries
{
    /// <summary>All traffic by hour (t, up, down, reports).</summary>
    public const string TotalHourly = """
        SELECT toUnixTimestamp(hour) AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_hourly_by_inbound
        WHERE hour >= {from} AND hour < {to}
        GROUP BY t
        ORDER BY t
        """;

    /// <summary>All traffic by day, from the node rollup (fewer rows than the inbound one).</summary>
    public const string TotalDaily = """
        SELECT toUInt32(date) * 86400 AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_daily_by_node
        WHERE date >= {from} AND date < {to}
        GROUP BY t
        ORDER BY t
        """;

    /// <summary>Traffic per node by hour (node, t, up, down, reports).</summary>
    public const string ByNodeHourly = """
        SELECT node_id, toUnixTimestamp(hour) AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_hourly_by_inbound
        WHERE hour >= {from} AND hour < {to}
        GROUP BY node_id, t
        ORDER BY node_id, t
        """;

    /// <summary>Traffic per node by day.</summary>
    public const string ByNodeDaily = """
        SELECT node_id, toUInt32(date) * 86400 AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_daily_by_node
        WHERE date >= {from} AND date < {to}
        GROUP BY node_id, t
        ORDER BY node_id, t
        """;

    /// <summary>Traffic per inbound by hour (inbound, t, up, down, reports).</summary>
    public const string ByInboundHourly = """
        SELECT inbound_id, toUnixTimestamp(hour) AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_hourly_by_inbound
        WHERE hour >= {from} AND hour < {to}
        GROUP BY inbound_id, t
        ORDER BY inbound_id, t
        """;

    /// <summary>Traffic per inbound by day.</summary>
    public const string ByInboundDaily = """
        SELECT inbound_id, toUInt32(date) * 86400 AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_daily_by_inbound
        WHERE date >= {from} AND date < {to}
        GROUP BY inbound_id, t
        ORDER BY inbound_id, t
        """;

    /// <summary>
    /// The subscriptions with the most bytes (up + down) over whole days, ties by id (subscription, total, up, down,
    /// reports). The range's whole weeks [{weeks_from}, {weeks_to}) come from the weekly rollup and only its leftover
    /// days from the daily one (both bounds equal <c>{from}</c> when the range holds no whole week): on 10 M rows this
    /// reads about a third of the rows of the daily rollup alone for a 30-day range (docs/analytics.md).
    /// </summary>
    public const string TopSubscriptions = """
        SELECT subscription_id, sum(bytes_up) + sum(bytes_down) AS total, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM
        (
            SELECT subscription_id, bytes_up, bytes_down, reports
            FROM traffic_weekly_by_subscription
            WHERE week >= {weeks_from} AND week < {weeks_to}
            UNION ALL
            SELECT subscription_id, bytes_up, bytes_down, reports
            FROM traffic_daily_by_subscription
            WHERE date >= {from} AND date < {to} AND (date < {weeks_from} OR date >= {weeks_to})
        )
        GROUP BY subscription_id
        ORDER BY total DESC, subscription_id
        LIMIT {limit}
        """;

    /// <summary>
    /// The parameters of <see cref="TopSubscriptions"/> for the days [<paramref name="from"/>, <paramref name="to"/>):
    /// the whole weeks (Monday to Sunday, as <c>toMonday</c> counts them) inside it, and the limit.
    /// </summary>
    public static ClickHouseParameters TopParameters(DateOnly from, DateOnly to, int limit)
    {
        DateOnly firstMonday = from.AddDays(((int)DayOfWeek.Monday - (int)from.DayOfWeek + 7) % 7);
        DateOnly lastMonday = to.AddDays(-(((int)to.DayOfWeek - (int)DayOfWeek.Monday + 7) % 7));
        // A week starting before lastMonday ends by it, so by to; none fits when the first Monday is not before it.
        (DateOnly weeksFrom, DateOnly weeksTo) = firstMonday < lastMonday ? (firstMonday, lastMonday) : (from, from);
        return new ClickHouseParameters().Add("from", from).Add("to", to).Add("weeks_from", weeksFrom).Add("weeks_to", weeksTo).Add("limit", limit);
    }

    /// <summary>
    /// Per node over whole minutes of arrival: reports, bytes, and the distinct subscriptions reported (node, reports,
    /// up, down, subscriptions). States merge as set unions, so the count is exact on shards too.
    /// </summary>
    public const string NodeActivity = """
        SELECT node_id, sum(reports), sum(bytes_up), sum(bytes_down), uniqExactMerge(subscriptions)
        FROM traffic_minutely_by_node
        WHERE minute >= {from} AND minute < {to}
        GROUP BY node_id
        ORDER BY node_id
        """;
}
