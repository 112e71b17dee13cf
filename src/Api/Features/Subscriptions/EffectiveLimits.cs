namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>The limits that apply (view <c>subscription_limits</c>); null = unlimited / never resets.</summary>
internal sealed record EffectiveLimits(long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, int? DeviceLimit);
