namespace Vpn.Perf.Api.Features.Devices;

/// <summary>Settings of device registration on the config URL, section <c>Devices</c> (docs/api-accounts.md, "## Devices").</summary>
internal sealed class DeviceOptions
{
    public const string Section = "Devices";

    /// <summary>
    /// False (the default): a config fetch without <c>x-hwid</c> is served and not counted, so apps that send no HWID
    /// keep working and the limit binds only the apps that identify themselves. True: such a fetch is answered 403
    /// <c>device-id-required</c>.
    /// </summary>
    public bool RequireHwid { get; set; }

    /// <summary>
    /// How often a device's <c>last_seen</c> is written: each Api instance queues a device at most once per interval
    /// and writes the queue in one statement per interval, so a fetch is never a write.
    /// </summary>
    public TimeSpan LastSeenInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// HWIDs recorded per subscription without a limit (null or 0). Beyond it a new HWID is served but not recorded,
    /// so a leaked link cannot grow the table without bound.
    /// </summary>
    public int MaxTrackedPerSubscription { get; set; } = 1000;

    /// <summary>The <c>profile-title</c> of the stub a device beyond the limit gets.</summary>
    public string LimitReachedTitle { get; set; } = "Device limit reached";
}
