using Microsoft.AspNetCore.Mvc;

namespace Vpn.Perf.Api.Features.Usage;

/// <summary>
/// The query of every usage endpoint. Bound as strings and parsed by <see cref="UsageRange"/>, so a bad value gets
/// a per-field validation error rather than the framework's bare 400.
/// </summary>
/// <param name="From">ISO 8601 instant with an offset (<c>2024-03-01T00:00:00Z</c>), inclusive; rounded down to the step.</param>
/// <param name="To">ISO 8601 instant with an offset, exclusive; rounded up to the step.</param>
/// <param name="Step"><c>hour</c> or <c>day</c> (default <c>day</c>).</param>
internal sealed record UsageQuery(
    [property: FromQuery(Name = "from")] string? From,
    [property: FromQuery(Name = "to")] string? To,
    [property: FromQuery(Name = "step")] string? Step);
