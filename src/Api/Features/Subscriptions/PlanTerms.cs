namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>What a plan gives a subscription sold under it by staff: its limits and one duration of validity.</summary>
internal sealed record PlanTerms(long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, int? DeviceLimit, string Duration);
