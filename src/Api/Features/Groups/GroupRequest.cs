namespace Vpn.Perf.Api.Features.Groups;

/// <summary>
/// Creates a group or replaces all of its fields (PUT). Null limits mean "no restriction"; across a user's groups each
/// limit is the maximum, with null winning (DESIGN.md).
/// </summary>
/// <param name="Name">Unique, 1-100 characters.</param>
/// <param name="MaxTraffic">Bytes per reset period (up + down), 0 or more.</param>
/// <param name="MaxSpeed">Bits per second, 0 or more.</param>
/// <param name="TrafficResetPeriod">ISO 8601 duration (P30D, P1M, P1Y); at least one hour.</param>
/// <param name="DeviceLimit">Devices (HWIDs) per subscription, 0-1000; null or 0 = no restriction.</param>
internal sealed record GroupRequest(string? Name, long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, int? DeviceLimit = null);
