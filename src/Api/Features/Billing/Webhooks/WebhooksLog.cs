using Vpn.Perf.Api.Features.WireGuard;

namespace Vpn.Perf.Api.Features.Billing.Webhooks;

internal static partial class WebhooksLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook from {Provider} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string provider, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook event {EventId} ({Type}) from {Provider}: {Outcome}")]
    public static partial void Handled(ILogger logger, string provider, string eventId, string type, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Subscription {SubscriptionId} was linked to WireGuard inbound {InboundId} by a purchase, but its peer was not made ({Failure}); it gets no WireGuard config until staff fix that and re-link it")]
    public static partial void PeerNotMade(ILogger logger, Guid subscriptionId, Guid inboundId, PeerFailure failure);
}
