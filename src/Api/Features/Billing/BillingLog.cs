namespace Vpn.Perf.Api.Features.Billing;

internal static partial class BillingLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Recorded {Count} subscription expiries")]
    public static partial void ExpiriesRecorded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The expiry job's pass failed; retrying in {Interval}")]
    public static partial void ExpiryPassFailed(ILogger logger, Exception exception, TimeSpan interval);
}
