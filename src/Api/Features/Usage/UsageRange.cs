using System.Globalization;

namespace Vpn.Perf.Api.Features.Usage;

/// <summary>A validated usage query: [From, To) aligned to whole steps in UTC.</summary>
internal readonly record struct UsageRange(DateTimeOffset From, DateTimeOffset To, UsageStep Step)
{
    /// <summary>The longest range one request may ask for (a bounded ClickHouse scan and response).</summary>
    public const int MaxDays = 400;

    // ClickHouse DateTime holds unix seconds up to 2106-02-07; keep every bound inside it.
    private static readonly DateTimeOffset Earliest = DateTimeOffset.UnixEpoch;
    private static readonly DateTimeOffset Latest = new(2106, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm'Z'",
        "yyyy-MM-dd'T'HH:mmzzz",
    ];

    public static TimeSpan Width(UsageStep step) => step == UsageStep.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);

    /// <summary>
    /// Parses and validates the query. <paramref name="hourlyAvailable"/> is false for resources whose rollup is daily
    /// only (nodes, inbounds). Returns null with per-field errors keyed by the query names.
    /// </summary>
    public static UsageRange? TryCreate(UsageQuery query, bool hourlyAvailable, Dictionary<string, string[]> errors)
    {
        UsageStep step = UsageStep.Day;
        switch (query.Step)
        {
            case null or "" or "day":
                break;
            case "hour" when hourlyAvailable:
                step = UsageStep.Hour;
                break;
            case "hour":
                errors["step"] = ["Only daily usage is kept for this resource; use step=day (hourly steps exist for subscriptions)."];
                break;
            default:
                errors["step"] = ["step must be 'hour' or 'day'."];
                break;
        }
        DateTimeOffset? from = ParseInstant(query.From, "from", errors);
        DateTimeOffset? to = ParseInstant(query.To, "to", errors);
        if (from is not { } f || to is not { } t || errors.Count != 0) return null;

        if (t <= f)
        {
            errors["to"] = ["to must be after from."];
            return null;
        }
        if (t - f > TimeSpan.FromDays(MaxDays))
        {
            errors["to"] = [$"The range is {(t - f).TotalDays.ToString("0.#", CultureInfo.InvariantCulture)} days; at most {MaxDays} days can be read at once."];
            return null;
        }
        long width = Width(step).Ticks;
        long fromTicks = f.UtcTicks - (f.UtcTicks % width);
        long toTicks = t.UtcTicks % width == 0 ? t.UtcTicks : t.UtcTicks - (t.UtcTicks % width) + width;
        return new UsageRange(new DateTimeOffset(fromTicks, TimeSpan.Zero), new DateTimeOffset(toTicks, TimeSpan.Zero), step);
    }

    private static DateTimeOffset? ParseInstant(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            errors[field] = [$"{field} is required: an ISO 8601 instant such as 2024-03-01T00:00:00Z."];
            return null;
        }
        if (text.Length > 40
            || !DateTimeOffset.TryParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset value))
        {
            errors[field] = [$"{field} must be an ISO 8601 instant with a time zone offset, such as 2024-03-01T00:00:00Z."];
            return null;
        }
        if (value < Earliest || value > Latest)
        {
            errors[field] = [$"{field} must lie between 1970-01-01 and 2106-01-01."];
            return null;
        }
        return value.ToUniversalTime();
    }
}
