namespace Vpn.Perf.Api.Features.Groups;

internal sealed record GroupDto(Guid Id, string Name, long? MaxTraffic, long? MaxSpeed, string? TrafficResetPeriod, DateTimeOffset CreatedAt, int MemberCount,
    int? DeviceLimit);
