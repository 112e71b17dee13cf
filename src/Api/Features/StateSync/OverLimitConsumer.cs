using System.Globalization;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;

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
/// Uses a Redis connection of its own: XREADGROUP BLOCK holds its connection for the whole wait, which would stall
/// every command pipelined behind it on the shared client.
/// </remarks>
internal sealed class OverLimitConsumer(
    RedisOptions redisOptions,
    OverLimitEvaluator evaluator,
    RejectionAuditWriter rejections,
    StateSyncOptions options,
    int bucketCount,
    TimeProvider time,
    ILogger<OverLimitConsumer> logger) : BackgroundService
{
    private readonly string[] _streams = [.. Enumerable.Range(0, bucketCount).Select(RedisKeys.Events), RedisKeys.NodeRejections];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The command timeout must outlast the BLOCK, or a quiet stream would look like a stuck connection.
        await using var redis = new RedisClient(redisOptions with { ConnectionCount = 1, CommandTimeout = options.EventBlock + redisOptions.CommandTimeout },
            null);
        bool groupsReady = false, readPending = true;
        long nextClaim = 0;
        int failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!groupsReady)
                {
                    await EnsureGroupsAsync(redis, stoppingToken);
                    groupsReady = true;
                }
                if (readPending)
                {
                    // Our own entries read before a crash or a failed evaluation: until none are left.
                    readPending = await ReadAsync(redis, "0", block: false, stoppingToken) > 0;
                }
                else
                {
                    long now = time.GetUtcNow().ToUnixTimeMilliseconds();
                    if (now >= nextClaim)
                    {
                        await ClaimIdleAsync(redis, stoppingToken);
                        nextClaim = now + (long)options.ClaimMinIdle.TotalMilliseconds / 2;
                    }
                    await ReadAsync(redis, ">", block: true, stoppingToken);
                }
                if (failures > 0)
                {
                    StateSyncLog.ConsumerRecovered(logger, failures);
                    failures = 0;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Loop boundary: whatever was read and not acknowledged stays pending and is read again first.
                if (ex is RedisServerException server && server.ErrorCode == "NOGROUP") groupsReady = false;
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
    private async Task EnsureGroupsAsync(RedisClient redis, CancellationToken ct)
    {
        foreach (string stream in _streams)
        {
            try
            {
                // From the start of the stream, not '$': an event added before the group existed still counts, and
                // evaluating it twice changes nothing.
                await redis.ExecuteAsync("XGROUP", ["CREATE", stream, options.ConsumerGroup, "0", "MKSTREAM"], ct);
            }
            catch (RedisServerException ex) when (ex.ErrorCode == "BUSYGROUP")
            {
                // Created by an earlier start or another instance.
            }
        }
    }

    /// <summary>One XREADGROUP over every bucket stream; processes and acknowledges what came back; returns the entry count.</summary>
    private async Task<int> ReadAsync(RedisClient redis, string id, bool block, CancellationToken ct)
    {
        var args = new List<string>(8 + (2 * _streams.Length))
        {
            "GROUP", options.ConsumerGroup, options.ConsumerName, "COUNT", options.EventBatchSize.ToString(CultureInfo.InvariantCulture),
        };
        if (block)
        {
            args.Add("BLOCK");
            args.Add(((long)options.EventBlock.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        }
        args.Add("STREAMS");
        args.AddRange(_streams);
        for (int i = 0; i < _streams.Length; i++) args.Add(id);
        RespValue reply = await redis.ExecuteAsync("XREADGROUP", [.. args], ct);
        if (reply.IsNull) return 0; // BLOCK timed out
        int count = 0;
        for (int s = 0; s < reply.Length; s++)
        {
            string stream = reply[s][0].AsString()!;
            count += await ProcessAsync(redis, stream, reply[s][1], ct);
        }
        return count;
    }

    /// <summary>Takes over entries other consumers read but left unacknowledged for longer than ClaimMinIdle.</summary>
    private async Task ClaimIdleAsync(RedisClient redis, CancellationToken ct)
    {
        string minIdle = ((long)options.ClaimMinIdle.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        string count = options.EventBatchSize.ToString(CultureInfo.InvariantCulture);
        foreach (string stream in _streams)
        {
            string cursor = "0-0";
            do
            {
                // Reply: next cursor, claimed entries, ids that no longer exist (Redis 7 drops those from the pending list).
                RespValue reply = await redis.ExecuteAsync("XAUTOCLAIM", [stream, options.ConsumerGroup, options.ConsumerName, minIdle, cursor, "COUNT", count], ct);
                cursor = reply[0].AsString() ?? "0-0";
                await ProcessAsync(redis, stream, reply[1], ct);
            }
            while (cursor != "0-0");
        }
    }

    private async Task<int> ProcessAsync(RedisClient redis, string stream, RespValue entries, CancellationToken ct)
    {
        if (entries.IsNull || entries.Length == 0) return 0;
        var done = new List<string>(entries.Length + 2) { stream, options.ConsumerGroup };
        for (int i = 0; i < entries.Length; i++)
        {
            RespValue entry = entries[i];
            string entryId = entry[0].AsString()!;
            // A pending entry trimmed from the stream comes back without fields: nothing to evaluate.
            if (stream == RedisKeys.NodeRejections)
            {
                if (!entry[1].IsNull && !await rejections.WriteAsync(Field(entry[1], "node"), Field(entry[1], "hour"), Field(entry[1], "rejected"), ct))
                {
                    StateSyncLog.MalformedEvent(logger, stream, entryId);
                }
            }
            else if (Subscription(entry[1]) is { } subscriptionId) await evaluator.EvaluateAsync(subscriptionId, "event", ct);
            else if (!entry[1].IsNull) StateSyncLog.MalformedEvent(logger, stream, entryId);
            done.Add(entryId);
        }
        // Acknowledged after every evaluation committed; a failure above leaves the whole read pending.
        await redis.ExecuteAsync("XACK", [.. done], ct);
        return entries.Length;
    }

    private static Guid? Subscription(RespValue fields)
        => Guid.TryParseExact(Field(fields, "subscription"), "N", out Guid id) ? id : null;

    private static string? Field(RespValue fields, string name)
    {
        if (fields.IsNull) return null;
        for (int f = 0; f + 1 < fields.Length; f += 2)
        {
            if (fields[f].AsString() == name) return fields[f + 1].AsString();
        }
        return null;
    }
}
