using Vpn.Perf.Ingest.Auth;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest.Pipeline;

/// <summary>
/// Once per <see cref="IngestOptions.ChangeFeedInterval"/>: reads the Api's change stream and drops the
/// affected cache entries (a revoked token, a changed limit or an unlinked inbound takes effect within about a
/// second), and publishes node activity and the nodes' hourly rejection notices. After any Redis failure every cache is dropped, because changes may have
/// been missed while the feed could not be read.
/// </summary>
internal sealed partial class CacheMaintenance(
    RedisClient redis,
    NodeTokenCache tokens,
    SubscriptionStateCache states,
    NodeActivity activity,
    RejectionNotices rejections,
    IngestOptions options,
    ILogger<CacheMaintenance> logger) : BackgroundService
{
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
                tokens.Invalidate();
                states.InvalidateAll();
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ReadChangesAsync(CancellationToken ct)
    {
        if (_lastId is null)
        {
            // Start at the stream's current end: caches are empty or were just dropped, so nothing before matters.
            RespValue last = await redis.ExecuteAsync("XREVRANGE", [RedisKeys.StateChanges, "+", "-", "COUNT", "1"], ct);
            _lastId = last.Length > 0 ? last[0][0].AsString() ?? "0-0" : "0-0";
            tokens.Invalidate();
            states.InvalidateAll();
            return;
        }
        while (true)
        {
            RespValue reply = await redis.ExecuteAsync("XREAD", ["COUNT", "1000", "STREAMS", RedisKeys.StateChanges, _lastId], ct);
            if (reply.IsNull || reply.Length == 0) return;
            RespValue entries = reply[0][1];
            for (int i = 0; i < entries.Length; i++)
            {
                RespValue entry = entries[i];
                _lastId = entry[0].AsString() ?? _lastId;
                RespValue fields = entry[1];
                string? kind = null, id = null;
                for (int f = 0; f + 1 < fields.Length; f += 2)
                {
                    switch (fields[f].AsString())
                    {
                        case "kind": kind = fields[f + 1].AsString(); break;
                        case "id": id = fields[f + 1].AsString(); break;
                    }
                }
                if (kind == "token") tokens.Invalidate();
                else if (kind == "sub" && Guid.TryParseExact(id, "N", out Guid sid)) states.Invalidate(sid);
                else states.InvalidateAll();
            }
            if (entries.Length < 1000) return;
        }
    }

    private async Task PublishActivityAsync(CancellationToken ct)
    {
        List<KeyValuePair<Guid, long>> seen = activity.Drain();
        if (seen.Count == 0) return;
        var args = new string[1 + (seen.Count * 2)];
        args[0] = RedisKeys.NodeLastSeen;
        for (int i = 0; i < seen.Count; i++)
        {
            args[1 + (2 * i)] = seen[i].Key.ToString("N");
            args[2 + (2 * i)] = seen[i].Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        try
        {
            await redis.ExecuteAsync("HSET", args, ct);
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
