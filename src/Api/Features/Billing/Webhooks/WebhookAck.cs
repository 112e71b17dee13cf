namespace Vpn.Perf.Api.Features.Billing.Webhooks;

/// <summary>
/// The 200 answer to a verified event. <c>outcome</c>: <c>applied</c> (state changed), <c>no_change</c> (the payment
/// was already past that state), <c>ignored</c> (an event type we do not handle, recorded), <c>duplicate</c> (this
/// event id was received before; nothing was done).
/// </summary>
internal sealed record WebhookAck(string EventId, string Outcome);
