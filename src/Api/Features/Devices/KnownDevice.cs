namespace Vpn.Perf.Api.Features.Devices;

/// <summary>A registered HWID in a <see cref="DeviceSet"/>: remembers when this instance last queued its last-seen time.</summary>
internal sealed class KnownDevice
{
    private long _queuedAtMs = long.MinValue / 2; // never: the first fetch after a load queues it

    /// <summary>
    /// True for the one caller that may queue the device now: the last queueing is at least
    /// <paramref name="intervalMs"/> ago and no concurrent fetch claimed the same moment.
    /// </summary>
    public bool TryClaim(long nowMs, long intervalMs)
    {
        long last = Volatile.Read(ref _queuedAtMs);
        return nowMs - last >= intervalMs && Interlocked.CompareExchange(ref _queuedAtMs, nowMs, last) == last;
    }
}
