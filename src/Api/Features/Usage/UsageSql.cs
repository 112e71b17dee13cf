namespace Vpn.Perf.Api.Features.Usage;

/// <summary>Postgres look-ups (existence, ownership) and the ClickHouse rollup queries of the usage endpoints.</summary>
internal static class UsageSql
{
    public const string SubscriptionOwner = "select owner_id from subscriptions where id = $1";

    public const string NodeExists = "select 1 from nodes where id = $1";

    public const string InboundExists = "select 1 from inbounds where id = $1";

    // ClickHouse (docs/analytics.md). Steps are returned as unix seconds computed with toUnixTimestamp and intDiv, which do
    // not depend on the server's time zone; {from} and {to} are bound as toDateTime(unix seconds) or toDate(...).
    // Rollups are SummingMergeTree: always sum() ... GROUP BY, never read a row as final.

    /// <summary>Hourly usage of one subscription.</summary>
    public const string SubscriptionHourly = """
        SELECT toUnixTimestamp(hour) AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_hourly_by_subscription
        WHERE subscription_id = {id} AND hour >= {from} AND hour < {to}
        GROUP BY t
        ORDER BY t
        """;

    /// <summary>Daily usage of one subscription, derived from the hourly rollup (there is no daily one), by UTC day.</summary>
    public const string SubscriptionDaily = """
        SELECT intDiv(toUnixTimestamp(hour), 86400) * 86400 AS t, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_hourly_by_subscription
        WHERE subscription_id = {id} AND hour >= {from} AND hour < {to}
        GROUP BY t
        ORDER BY t
        """;

    /// <summary>Daily usage of one node; the date column comes back as yyyy-MM-dd.</summary>
    public const string NodeDaily = """
        SELECT date, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_daily_by_node
        WHERE node_id = {id} AND date >= {from} AND date < {to}
        GROUP BY date
        ORDER BY date
        """;

    /// <summary>Daily usage of one inbound.</summary>
    public const string InboundDaily = """
        SELECT date, sum(bytes_up), sum(bytes_down), sum(reports)
        FROM traffic_daily_by_inbound
        WHERE inbound_id = {id} AND date >= {from} AND date < {to}
        GROUP BY date
        ORDER BY date
        """;
}
