using Microsoft.AspNetCore.Mvc;

namespace Vpn.Perf.Api.Features.Analytics;

/// <summary>
/// The query of the top subscriptions. Bound as strings and parsed by <see cref="AnalyticsValidation"/>, so a bad
/// value gets a per-field validation error.
/// </summary>
/// <param name="From">ISO 8601 instant with an offset, inclusive; rounded down to the day (UTC).</param>
/// <param name="To">ISO 8601 instant with an offset, exclusive; rounded up to the day.</param>
/// <param name="Limit">How many subscriptions, 1 to 100 (default 10).</param>
internal sealed record TopQuery(
    [property: FromQuery(Name = "from")] string? From,
    [property: FromQuery(Name = "to")] string? To,
    [property: FromQuery(Name = "limit")] string? Limit);
