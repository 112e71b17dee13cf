using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Npgsql;
using Vpn.Perf.Api.Features.Configs;

namespace Vpn.Perf.Api.Features.Devices;

/// <summary>
/// Decides what a config fetch gets from the device headers and the <see cref="DeviceSet"/> cached with the config:
/// a known HWID costs one dictionary lookup and no query (its last-seen time is queued, see
/// <see cref="DeviceSeenRecorder"/>); a new HWID with no slot free per the cache gets the stub at once, also without
/// a query; only a new HWID with a free slot goes to Postgres, whose registration is the one write of the config path.
/// </summary>
internal sealed class DeviceGate(NpgsqlDataSource db, ConfigCache cache, DeviceSeenRecorder recorder, DeviceLimitStub stub, IOptions<DeviceOptions> options,
    TimeProvider time)
{
    private readonly bool _requireHwid = options.Value.RequireHwid;
    private readonly int _maxTracked = options.Value.MaxTrackedPerSubscription;

    /// <summary>The config a device beyond the limit gets.</summary>
    public DeviceLimitStub Stub => stub;

    /// <summary>Completes synchronously for every fetch but the registration of a new HWID.</summary>
    public ValueTask<DeviceAccess> CheckAsync(CachedConfig config, IHeaderDictionary headers, long nowMs, CancellationToken ct)
    {
        StringValues presented = headers[DeviceHeaders.Hwid];
        if (presented.Count == 0) return new(_requireHwid ? DeviceAccess.HwidRequired : DeviceAccess.Served);
        DeviceSet devices = config.Devices;
        // A registered HWID was valid when it was registered: the lookup comes first, the character check only for new ones.
        if (presented.Count == 1 && presented[0] is { } hwid && devices.TryGet(hwid, out KnownDevice known))
        {
            recorder.Seen(config.Id, hwid, known, nowMs);
            return new(DeviceAccess.Served);
        }
        if (presented.Count != 1 || !DeviceHeaders.IsHwid(presented[0]!)) return new(DeviceAccess.HwidInvalid);
        if (devices.Limit is { } limit)
        {
            if (devices.Count >= limit) return new(DeviceAccess.LimitReached);
        }
        else if (devices.Count >= _maxTracked)
        {
            return new(DeviceAccess.Served); // no limit: served, no longer recorded
        }
        return RegisterAsync(config.Id, presented[0]!, DeviceHeaders.ReadInfo(headers), ct);
    }

    private async ValueTask<DeviceAccess> RegisterAsync(Guid subscriptionId, string hwid, DeviceInfo info, CancellationToken ct)
    {
        DeviceRegistration outcome = await DevicesStore.RegisterAsync(db, subscriptionId, hwid, info, time.GetUtcNow(), _maxTracked, ct);
        // The cached set no longer holds (a device was added here, or elsewhere as the outcome shows): this instance
        // reloads it on the next fetch instead of waiting for its own notification.
        if (outcome != DeviceRegistration.Untracked) cache.Evict(subscriptionId);
        return outcome switch
        {
            DeviceRegistration.Registered or DeviceRegistration.Known or DeviceRegistration.Untracked => DeviceAccess.Served,
            _ => DeviceAccess.LimitReached,
        };
    }
}
