using Microsoft.Extensions.Logging;

namespace Vpn.Perf.Shared.Redis;

/// <summary>The Redis client's log events: connection state changes only, never per command.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Redis connection {Slot} to {EndPoint} established")]
    public static partial void Connected(ILogger logger, int slot, string endPoint);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Redis connection {Slot} to {EndPoint} lost: {Reason}")]
    public static partial void Disconnected(ILogger logger, int slot, string endPoint, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Redis connection {Slot} to {EndPoint}: attempt {Attempt} failed, retrying in {DelayMs} ms: {Reason}")]
    public static partial void ConnectFailed(ILogger logger, int slot, string endPoint, int attempt, long delayMs, string reason);
}
