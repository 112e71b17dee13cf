namespace Vpn.Perf.Api.Features.Devices;

/// <summary>The outcome of one attempt to register a new HWID (<see cref="DevicesStore.RegisterAsync"/>).</summary>
internal enum DeviceRegistration
{
    /// <summary>Inserted: a slot was free.</summary>
    Registered = 0,

    /// <summary>Another fetch registered the same HWID first: a known device.</summary>
    Known = 1,

    /// <summary>Every slot is taken: the HWID was not registered.</summary>
    Full = 2,

    /// <summary>No limit, but <see cref="DeviceOptions.MaxTrackedPerSubscription"/> HWIDs are recorded: served, not recorded.</summary>
    Untracked = 3,

    /// <summary>The subscription was deleted meanwhile.</summary>
    Gone = 4,
}
