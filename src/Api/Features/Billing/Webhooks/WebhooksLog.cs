namespace Vpn.Perf.Api.Features.Billing.Webhooks;

internal static partial class WebhooksLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook from {Provider} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string provider, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook event {EventId} ({Type}) from {Provider}: {Outcome}")]
    public static partial void Handled(ILogger logger, string provider, string eventId, string type, string outcome);
}
