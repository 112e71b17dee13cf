using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Billing.Plans;

/// <summary>
/// A plan. <c>price</c> is a decimal string with exactly the currency's decimals (<c>"9.99"</c>, <c>"500"</c> JPY);
/// <c>duration</c> is the ISO 8601 length one purchase adds. <c>inboundIds</c> and <c>nodeIds</c> (what the plan
/// grants) are shown to staff only, null for everyone else.
/// </summary>
internal sealed record PlanDto(
    Guid Id, string Name, string Description,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal Price,
    string Currency, string Duration, long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, int? DeviceLimit,
    bool IsActive, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<Guid>? InboundIds, IReadOnlyList<Guid>? NodeIds);
