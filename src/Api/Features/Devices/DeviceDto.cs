namespace Vpn.Perf.Api.Features.Devices;

/// <summary>A registered device. <c>LastSeen</c> lags by up to two <c>Devices:LastSeenInterval</c>s (it is written in batches).</summary>
internal sealed record DeviceDto(
    Guid Id, Guid SubscriptionId, string Hwid, string? Model, string? Os, string? OsVersion, string? UserAgent,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen);
