using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Vpn.Perf.Api.Features.Devices;

/// <summary>
/// Coalesces last-seen times so that a config fetch is never a write: a fetch of a known device queues it at most
/// once per <see cref="DeviceOptions.LastSeenInterval"/> (<see cref="KnownDevice.TryClaim"/>), the queue keeps one
/// time per device, and this loop writes the whole queue in one statement once per interval (and on shutdown).
/// So each instance writes a device's last_seen at most once per interval, and it lags by at most two.
/// </summary>
internal sealed class DeviceSeenRecorder(NpgsqlDataSource db, IOptions<DeviceOptions> options, TimeProvider time, ILogger<DeviceSeenRecorder> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<(Guid Subscription, string Hwid), long> _pending = new();
    private readonly TimeSpan _interval = options.Value.LastSeenInterval;
    private readonly long _intervalMs = (long)options.Value.LastSeenInterval.TotalMilliseconds;

    /// <summary>Devices queued and not yet written.</summary>
    public int Pending => _pending.Count;

    /// <summary>Called per fetch of a known device; touches the queue only when the device's claim succeeds.</summary>
    public void Seen(Guid subscriptionId, string hwid, KnownDevice device, long nowMs)
    {
        if (device.TryClaim(nowMs, _intervalMs)) _pending[(subscriptionId, hwid)] = nowMs;
    }

    /// <summary>Writes what is queued in one statement; the number of devices written.</summary>
    public async Task<int> FlushAsync(CancellationToken ct)
    {
        if (_pending.IsEmpty) return 0;
        var subscriptions = new List<Guid>(_pending.Count);
        var hwids = new List<string>(_pending.Count);
        var seen = new List<DateTimeOffset>(_pending.Count);
        foreach (var entry in _pending)
        {
            // Removed only if unchanged: a time queued meanwhile stays for the next round.
            if (!_pending.TryRemove(entry)) continue;
            subscriptions.Add(entry.Key.Subscription);
            hwids.Add(entry.Key.Hwid);
            seen.Add(DateTimeOffset.FromUnixTimeMilliseconds(entry.Value));
        }
        try
        {
            return await DevicesStore.TouchAsync(db, [.. subscriptions], [.. hwids], [.. seen], ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // Put back (unless a later time arrived meanwhile): a Postgres outage delays last_seen, it does not lose it.
            for (int i = 0; i < hwids.Count; i++)
            {
                long ms = seen[i].ToUnixTimeMilliseconds();
                _pending.AddOrUpdate((subscriptions[i], hwids[i]), ms, (_, held) => Math.Max(held, ms));
            }
            throw;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_interval, time, stoppingToken);
                await FlushAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                DevicesLog.LastSeenFlushFailed(logger, _pending.Count, ex);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // A stop must not throw: last_seen is informational, and the data source may already be gone when a host
            // is torn down out of order.
            DevicesLog.LastSeenFlushFailed(logger, _pending.Count, ex);
        }
    }
}
