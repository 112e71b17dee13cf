namespace Vpn.Perf.Api.Features.Devices;

/// <summary>What a config fetch gets, as decided by <see cref="DeviceGate"/>.</summary>
internal enum DeviceAccess
{
    /// <summary>A known device, a newly registered one, or a fetch without HWID that is served uncounted.</summary>
    Served = 0,

    /// <summary>A new HWID beyond the limit: the device-limit stub.</summary>
    LimitReached = 1,

    /// <summary>No HWID while <see cref="DeviceOptions.RequireHwid"/> is on.</summary>
    HwidRequired = 2,

    /// <summary>A malformed <c>x-hwid</c>.</summary>
    HwidInvalid = 3,
}
