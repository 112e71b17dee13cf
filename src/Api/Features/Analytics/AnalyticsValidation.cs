using System.Globalization;
using Vpn.Perf.Api.Features.Usage;

namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>
/// Bounds of the analytics queries. Ranges are parsed and aligned by <see cref="UsageRange"/> (instants with an offset,
/// at most <see cref="UsageRange.MaxDays"/> days); the steps are the rollups' granularities (hour, day; the top
/// subscriptions day only) and a series has at most <see cref="MaxPoints"/> steps. Errors are keyed by the query names.
/// </summary>
internal static class AnalyticsValidation
{
    /// <summary>The most steps one series may have: 41 days by the hour; by the day the 400-day range bound comes first.</summary>
    public const int MaxPoints = 1000;

    public const int DefaultTop = 10;

    public const int MaxTop = 100;

    public const int DefaultMinutes = 5;

    /// <summary>The node status window: the minute rollup answers up to an hour cheaply, and a longer window is usage, not status.</summary>
    public const int MaxMinutes = 60;

    /// <summary>The most nodes one status answer lists (by name).</summary>
    public const int MaxNodes = 1000;

    /// <summary>A range in hour or day steps with at most <see cref="MaxPoints"/> steps.</summary>
    public static UsageRange? TryRange(UsageQuery query, Dictionary<string, string[]> errors)
    {
        if (UsageRange.TryCreate(query, hourlyAvailable: true, errors) is not { } range) return null;
        long points = (range.To - range.From).Ticks / UsageRange.Width(range.Step).Ticks;
        if (points > MaxPoints)
        {
            errors["to"] = [string.Create(CultureInfo.InvariantCulture,
                $"The range has {points} {(range.Step == UsageStep.Hour ? "hours" : "days")}; a series has at most {MaxPoints} steps: shorten the range or use step=day.")];
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
