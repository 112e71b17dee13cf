using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Billing.Plans;

/// <summary>
/// Creates a plan or replaces every field of one (PUT). <c>price</c> may be sent as a string (<c>"9.99"</c>) or a
/// JSON number; either is read as a decimal, never through a double. A plan grants the listed inbounds and every
/// inbound of the listed nodes, at least one of the two. <c>version</c> (PUT only, optional) guards against lost
/// updates. <c>isActive</c> defaults to true; false retires the plan.
/// </summary>
internal sealed record PlanRequest(
    string? Name, string? Description,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal? Price,
    string? Currency, string? Duration, long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, int? DeviceLimit,
    bool? IsActive, IReadOnlyList<Guid>? InboundIds, IReadOnlyList<Guid>? NodeIds, long? Version);
