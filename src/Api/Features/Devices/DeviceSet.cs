namespace Vpn.Perf.Api.Features.Devices;

/// <summary>
/// A subscription's registered HWIDs and its effective device limit, read with its config
/// (<see cref="Configs.ConfigsStore"/>) and kept beside it in <see cref="Configs.ConfigCache"/>; a device added or
/// removed evicts the entry on every instance (the triggers of migration 0015), so the set is as exact as the cache.
/// </summary>
internal sealed class DeviceSet
{
    public static DeviceSet Empty { get; } = new(null, []);

    private readonly Dictionary<string, KnownDevice> _devices;

    public DeviceSet(int? limit, string[] hwids)
    {
        Limit = limit;
        _devices = new Dictionary<string, KnownDevice>(hwids.Length, StringComparer.Ordinal);
        foreach (string hwid in hwids) _devices[hwid] = new KnownDevice();
    }

    /// <summary>The effective limit; null = unlimited.</summary>
    public int? Limit { get; }

    public int Count => _devices.Count;

    /// <summary>Read-only after construction, so lookups from many requests at once are safe.</summary>
    public bool TryGet(string hwid, out KnownDevice device) => _devices.TryGetValue(hwid, out device!);
}
