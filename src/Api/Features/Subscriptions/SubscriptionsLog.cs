namespace Vpn.Perf.Api.Features.Subscriptions;

internal static partial class SubscriptionsLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis did not answer the usage of {Count} subscription(s); they are listed without usage.")]
    public static partial void UsageUnavailable(ILogger logger, int count, Exception exception);
}
