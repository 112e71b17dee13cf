using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>
/// Consumes Ingest's over-limit events (<see cref="RedisKeys.Events"/>, one stream per bucket) in a consumer group
/// shared by every Api instance. An event only says "this subscription crossed its limit"; the flag is decided by
/// <see cref="OverLimitEvaluator"/> from the current limit and usage, so a stale or repeated event changes nothing.
/// An entry is acknowledged only after its Postgres transaction committed: after a crash the entries this consumer
/// had read come back first (XREADGROUP with id 0), and entries of a consumer that never returns are taken over
/// after <see cref="StateSyncOptions.ClaimMinIdle"/> (XAUTOCLAIM). The same group, reads and claims also carry Ingest's
/// hourly rejection notices (<see cref="RedisKeys.NodeRejections"/>), written as audit entries by
/// <see cref="RejectionAuditWriter"/>.
/// </summary>
/// <remarks>
/// Polls: StackExchange.Redis multiplexes every caller over one connection, where a blocking XREADGROUP would stall
/// every command behind it, so the library offers no BLOCK. A read that finds nothing waits
/// <see cref="StateSyncOptions.EventBlock"/> before the next; a read that finds entries is followed at once by another.
/// Each stream is read by a command of its own (all pipelined in one round), since the streams are in different
/// Cluster slots.
/// </remarks>
internal sealed class OverLimitConsumer(
    IDatabase redis,
    OverLimitEvaluator evaluator,
    RejectionAuditWriter rejections,
    StateSyncOptions options,
    int bucketCount,
    TimeProvider time,
    ILogger<OverLimitConsumer> logger) : BackgroundService
{
    private readonly RedisKey[] _streams = [.. Enumerable.Range(0, bucketCount).Select(b => (RedisKey)RedisKeys.Events(b)), RedisKeys.NodeRejections];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool groupsReady = false, readPending = true;
        long nextClaim = 0;
        int failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!groupsReady)
                {
                    await EnsureGroupsAsync(stoppingToken);
                    groupsReady = true;
                }
                bool idle = false;
                if (readPending)
                {
                    // Our own entries read before a crash or a failed evaluation: until none are left.
                    readPending = await ReadAsync(StreamPosition.Beginning, stoppingToken) > 0;
                }
                else
                {
                    long now = time.GetUtcNow().ToUnixTimeMilliseconds();
                    if (now >= nextClaim)
                    {
                        await ClaimIdleAsync(stoppingToken);
                        nextClaim = now + (long)options.ClaimMinIdle.TotalMilliseconds / 2;
                    }
                    idle = await ReadAsync(StreamPosition.NewMessages, stoppingToken) == 0;
                }
                if (failures > 0)
                {
                    StateSyncLog.ConsumerRecovered(logger, failures);
                    failures = 0;
                }
                if (idle) await Task.Delay(options.EventBlock, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Loop boundary: whatever was read and not acknowledged stays pending and is read again first.
                if (ex is RedisServerException server && server.Message.StartsWith("NOGROUP", StringComparison.Ordinal)) groupsReady = false;
                readPending = true;
                failures++;
                TimeSpan delay = options.Backoff(failures);
                StateSyncLog.ConsumerFailed(logger, failures, (long)delay.TotalMilliseconds, ex.Message);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Creates the group on every bucket stream (and the stream itself); an existing group is kept as it is.</summary>
    private async Task EnsureGroupsAsync(CancellationToken ct)
    {
        foreach (RedisKey stream in _streams)
        {
            try
            {
                // From the start of the stream, not '$': an event added before the group existed still counts, and
                // evaluating it twice changes nothing.
                await redis.StreamCreateConsumerGroupAsync(stream, options.ConsumerGroup, StreamPosition.Beginning, createStream: true).WaitAsync(ct);
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
            {
                // Created by an earlier start or another instance.
            }
        }
    }

    /// <summary>One XREADGROUP per stream, pipelined; processes and acknowledges what came back; returns the entry count.</summary>
    private async Task<int> ReadAsync(RedisValue position, CancellationToken ct)
    {
        var reads = new Task<StreamEntry[]>[_streams.Length];
        for (int s = 0; s < _streams.Length; s++)
        {
            reads[s] = redis.StreamReadGroupAsync(_streams[s], options.ConsumerGroup, options.ConsumerName, position, options.EventBatchSize);
        }
        await Task.WhenAll(reads).WaitAsync(ct);
        int count = 0;
        for (int s = 0; s < _streams.Length; s++)
        {
            count += await ProcessAsync(_streams[s], reads[s].Result, ct);
        }
        return count;
    }

    /// <summary>Takes over entries other consumers read but left unacknowledged for longer than ClaimMinIdle.</summary>
    private async Task ClaimIdleAsync(CancellationToken ct)
    {
        long minIdle = (long)options.ClaimMinIdle.TotalMilliseconds;
        foreach (RedisKey stream in _streams)
        {
            RedisValue cursor = "0-0";
            do
            {
                // Ids that no longer exist come back apart (DeletedIds); Redis 7 drops those from the pending list itself.
                StreamAutoClaimResult claimed = await redis.StreamAutoClaimAsync(stream, options.ConsumerGroup, options.ConsumerName, minIdle, cursor,
                    options.EventBatchSize).WaitAsync(ct);
                cursor = claimed.NextStartId.IsNull ? "0-0" : claimed.NextStartId;
                await ProcessAsync(stream, claimed.ClaimedEntries, ct);
            }
            while (cursor != "0-0");
        }
    }

    private async Task<int> ProcessAsync(RedisKey stream, StreamEntry[] entries, CancellationToken ct)
    {
        if (entries.Length == 0) return 0;
        var done = new RedisValue[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            StreamEntry entry = entries[i];
            // A pending entry trimmed from the stream comes back without fields: nothing to evaluate.
            bool trimmed = entry.Values.Length == 0;
            if (stream == RedisKeys.NodeRejections)
            {
                if (!trimmed && !await rejections.WriteAsync(entry["node"], entry["hour"], entry["rejected"], ct))
                {
                    StateSyncLog.MalformedEvent(logger, stream.ToString(), entry.Id.ToString());
                }
            }
            else if (OverLimitEvent.TryParse(entry, out OverLimitEvent crossed)) await evaluator.EvaluateAsync(crossed.SubscriptionId, "event", ct);
            else if (!trimmed) StateSyncLog.MalformedEvent(logger, stream.ToString(), entry.Id.ToString());
            done[i] = entry.Id;
        }
        // Acknowledged after every evaluation committed; a failure above leaves the whole read pending.
        await redis.StreamAcknowledgeAsync(stream, options.ConsumerGroup, done).WaitAsync(ct);
        return entries.Length;
    }
}
