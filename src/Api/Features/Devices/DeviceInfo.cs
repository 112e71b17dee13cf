namespace Vpn.Perf.Api.Features.Devices;

/// <summary>What a registering app says about its device, validated by <see cref="DeviceHeaders"/> (null = not sent or not valid).</summary>
internal readonly record struct DeviceInfo(string? Model, string? Os, string? OsVersion, string? UserAgent);
