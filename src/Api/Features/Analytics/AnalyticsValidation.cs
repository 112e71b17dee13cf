using System.Globalization;
using Vpn.Perf.Api.Features.Usage;

namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>
/// Bounds of the analytics queries. Ranges are parsed and aligned by <see cref="UsageRange"/> (instants with an offset,
/// at most <see cref="UsageRange.MaxDays"/> days); the steps are the rollups' granularities (hour, day; the top
/// subscriptions day only) and a series has at most <see cref="MaxPoints"/> steps (<see cref="MaxBreakdownPoints"/> in a
/// breakdown). Errors are keyed by the query names.
/// </summary>
internal static class AnalyticsValidation
{
    /// <summary>The most steps of the total series: 41 days by the hour; by the day the 400-day range bound comes first.</summary>
    public const int MaxPoints = 1000;

    /// <summary>
    /// The most steps of each series of a breakdown (per node, per inbound): 8 days and 8 hours by the hour, 200 days by
    /// the day. An answer holds up to this many points per node or inbound, so the bound keeps a fleet's answer to tens
    /// of thousands of rows (a month by the hour over 64 inbounds would be 46 000).
    /// </summary>
    public const int MaxBreakdownPoints = 200;

    public const int DefaultTop = 10;

    public const int MaxTop = 100;

    public const int DefaultMinutes = 5;

    /// <summary>The node status window: the minute rollup answers up to an hour cheaply, and a longer window is usage, not status.</summary>
    public const int MaxMinutes = 60;

    /// <summary>The most nodes one status answer lists (by name).</summary>
    public const int MaxNodes = 1000;

    /// <summary>A range in hour or day steps with at most <paramref name="maxPoints"/> steps.</summary>
    public static UsageRange? TryRange(UsageQuery query, int maxPoints, Dictionary<string, string[]> errors)
    {
        if (UsageRange.TryCreate(query, hourlyAvailable: true, errors) is not { } range) return null;
        long points = (range.To - range.From).Ticks / UsageRange.Width(range.Step).Ticks;
        if (points > maxPoints)
        {
            errors["to"] = [string.Create(CultureInfo.InvariantCulture,
                $"The range has {points} {(range.Step == UsageStep.Hour ? "hours" : "days")}; a series here has at most {maxPoints} steps: shorten the range or use step=day.")];
            return null;
        }
        return range;
    }

    /// <summary>A range of whole days (the daily subscription rollup) and the number of subscriptions wanted.</summary>
    public static (UsageRange Range, int Limit)? TryTop(TopQuery query, Dictionary<string, string[]> errors)
    {
        int limit = TryInt(query.Limit, "limit", DefaultTop, MaxTop, errors);
        if (UsageRange.TryCreate(new UsageQuery(query.From, query.To, "day"), hourlyAvailable: false, errors) is not { } range || errors.Count != 0) return null;
        return (range, limit);
    }

    /// <summary>The node status window in minutes, 1 to <see cref="MaxMinutes"/>.</summary>
    public static int? TryMinutes(string? text, Dictionary<string, string[]> errors)
    {
        int minutes = TryInt(text, "minutes", DefaultMinutes, MaxMinutes, errors);
        return errors.Count == 0 ? minutes : null;
    }

    private static int TryInt(string? text, string field, int defaultValue, int max, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text)) return defaultValue;
        if (text.Length > 9 || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1 || value > max)
        {
            errors[field] = [string.Create(CultureInfo.InvariantCulture, $"{field} must be a whole number from 1 to {max}.")];
            return 0;
        }
        return value;
    }
}
