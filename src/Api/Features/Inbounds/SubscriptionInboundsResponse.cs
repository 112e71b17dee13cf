namespace Vpn.Perf.Api.Features.Inbounds;

/// <summary>The inbounds a subscription is linked to, in id order.</summary>
internal sealed record SubscriptionInboundsResponse(Guid SubscriptionId, IReadOnlyList<Guid> InboundIds);
