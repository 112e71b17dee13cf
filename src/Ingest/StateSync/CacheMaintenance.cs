using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.StateSync;

/// <summary>
/// Once per <see cref="IngestOptions.ChangeFeedInterval"/>: reads the Api's change stream and drops the
/// affected cache entries (a revoked token, a changed limit or an unlinked inbound takes effect within about a
/// second), and publishes node activity and the nodes' hourly rejection notices. After any Redis failure every cache is dropped, because changes may have
/// been missed while the feed could not be read.
/// </summary>
/// <remarks>
/// The stream is polled (<c>XREAD</c> without <c>BLOCK</c>, which StackExchange.Redis's shared connection does not
/// support): the interval is the poll period, and each tick reads on until it has caught up.
/// </remarks>
internal sealed partial class CacheMaintenance(
    IDatabase redis,
    NodeTokenCache tokens,
    SubscriptionStateCache states,
    NodeActivity activity,
    RejectionNotices rejections,
    IngestOptions options,
    ILogger<CacheMaintenance> logger) : BackgroundService
{
    // Changes read per XREAD; a tick reads pages until one comes back short.
    private const int FeedPage = 1000;

    private string? _lastId;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ChangeFeedInterval);
        bool healthy = true;
        do
        {
            try
            {
                await ReadChangesAsync(stoppingToken);
                await PublishActivityAsync(stoppingToken);
                await rejections.PublishAsync(redis, stoppingToken);
                if (!healthy)
                {
                    LogRecovered(logger);
                    healthy = true;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (healthy) LogFeedFailed(logger, ex.Message);
                healthy = false;
                _lastId = null;
                DropCaches();
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ReadChangesAsync(CancellationToken ct)
    {
        if (_lastId is null)
        {
            // Start at the stream's current end: caches are empty or were just dropped, so nothing before matters.
            StreamEntry[] last = await redis.StreamRangeAsync(RedisKeys.StateChanges, count: 1, messageOrder: Order.Descending).WaitAsync(ct);
            _lastId = last.Length > 0 ? (string?)last[0].Id ?? "0-0" : "0-0";
            DropCaches();
            return;
        }
        while (true)
        {
            StreamEntry[] entries = await redis.StreamReadAsync(RedisKeys.StateChanges, _lastId, count: FeedPage).WaitAsync(ct);
            foreach (StreamEntry entry in entries)
            {
                _lastId = (string?)entry.Id ?? _lastId;
                if (!StateChange.TryParse(entry, out StateChange change)) DropCaches(); // a newer Api's notice, or damaged: anything may have changed
                else if (change.Kind == StateChangeKind.Token) tokens.Invalidate();
                else states.Invalidate(change.Id);
            }
            if (entries.Length < FeedPage) return;
        }
    }

    private void DropCaches()
    {
        tokens.Invalidate();
        states.InvalidateAll();
    }

    private async Task PublishActivityAsync(CancellationToken ct)
    {
        List<KeyValuePair<Guid, long>> seen = activity.Drain();
        if (seen.Count == 0) return;
        var fields = new HashEntry[seen.Count];
        for (int i = 0; i < seen.Count; i++)
        {
            fields[i] = new HashEntry(seen[i].Key.ToString("N"), seen[i].Value);
        }
        try
        {
            await redis.HashSetAsync(RedisKeys.NodeLastSeen, fields).WaitAsync(ct);
        }
        catch
        {
            // Keep the newest times for the next tick rather than losing them with the failed write.
            foreach (KeyValuePair<Guid, long> pair in seen) activity.Seen(pair.Key, pair.Value);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change feed unavailable ({Error}); caches dropped and refilled from Redis as it returns")]
    private static partial void LogFeedFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Change feed recovered")]
    private static partial void LogRecovered(ILogger logger);
}
