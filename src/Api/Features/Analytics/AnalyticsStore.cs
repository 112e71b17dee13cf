using System.Globalization;
using Npgsql;
using Vpn.Perf.Api.Features.Usage;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>
/// Runs the analytics statements: the ClickHouse rollup queries of <see cref="AnalyticsQueries"/> (a ClickHouse that
/// cannot be reached throws <see cref="ClickHouseUnavailableException"/>) and the Postgres look-ups (nodes, counts).
/// </summary>
internal static class AnalyticsStore
{
    private const string NodesSql = "select id, name from nodes order by name, id limit $1";

    // The order of the config endpoint (ConfigsEndpoints.GetConfig): suspended or owner disabled first, then expired; a
    // subscription over its limit gets the stub config, and the rest are served.
    private const string CountsSql = """
        select count(*),
               count(*) filter (where s.is_suspended or u.disabled),
               count(*) filter (where not (s.is_suspended or u.disabled) and s.expires_at <= $1),
               count(*) filter (where not (s.is_suspended or u.disabled) and (s.expires_at is null or s.expires_at > $1) and s.is_over_limit)
        from subscriptions s
        join users u on u.id = s.owner_id
        """;

    /// <summary>All traffic over the range, in its step.</summary>
    public static async Task<List<AnalyticsPoint>> TotalAsync(ClickHouseClient clickHouse, UsageRange range, CancellationToken ct)
    {
        string sql = range.Step == UsageStep.Hour ? AnalyticsQueries.TotalHourly : AnalyticsQueries.TotalDaily;
        List<string[]> rows = await clickHouse.QueryRowsAsync(sql, RangeParameters(range), ct);
        double seconds = UsageRange.Width(range.Step).TotalSeconds;
        var points = new List<AnalyticsPoint>(rows.Count);
        foreach (string[] row in rows) points.Add(Point(row, 0, seconds));
        return points;
    }

    /// <summary>Traffic over the range per node (<paramref name="byInbound"/> false) or per inbound, in its step.</summary>
    public static async Task<List<AnalyticsSeries>> BreakdownAsync(ClickHouseClient clickHouse, UsageRange range, bool byInbound, CancellationToken ct)
    {
        string sql = (byInbound, range.Step) switch
        {
            (false, UsageStep.Hour) => AnalyticsQueries.ByNodeHourly,
            (false, _) => AnalyticsQueries.ByNodeDaily,
            (true, UsageStep.Hour) => AnalyticsQueries.ByInboundHourly,
            (true, _) => AnalyticsQueries.ByInboundDaily,
        };
        List<string[]> rows = await clickHouse.QueryRowsAsync(sql, RangeParameters(range), ct);
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
        ClickHouseParameters parameters = AnalyticsQueries.TopParameters(DateOnly.FromDateTime(range.From.UtcDateTime), DateOnly.FromDateTime(range.To.UtcDateTime), limit);
        List<string[]> rows = await clickHouse.QueryRowsAsync(AnalyticsQueries.TopSubscriptions, parameters, ct);
        var top = new List<TopSubscription>(rows.Count);
        foreach (string[] row in rows)
            top.Add(new TopSubscription(Guid.Parse(row[0], CultureInfo.InvariantCulture), Count(row[1]), Count(row[2]), Count(row[3]), Count(row[4])));
        return top;
    }

    /// <summary>What each node reported over [from, to) (whole minutes); nodes that reported nothing are absent.</summary>
    public static async Task<Dictionary<Guid, NodeTraffic>> NodeTrafficAsync(ClickHouseClient clickHouse, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var parameters = new ClickHouseParameters().Add("from", from).Add("to", to);
        List<string[]> rows = await clickHouse.QueryRowsAsync(AnalyticsQueries.NodeActivity, parameters, ct);
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
