namespace Vpn.Perf.Api.Features.Inbounds;

/// <summary>The complete set of inbounds a subscription is linked to (at most <see cref="InboundValidation.MaxLinks"/>).</summary>
internal sealed record SubscriptionInboundsRequest(Guid[]? InboundIds);
