namespace Vpn.Perf.Api.Features.Devices;

internal static partial class DevicesLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the last-seen times of {Pending} devices failed; they are kept for the next round")]
    public static partial void LastSeenFlushFailed(ILogger logger, int pending, Exception exception);
}
