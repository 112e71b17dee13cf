namespace Vpn.Perf.Shared.Contracts;

/// <summary>One inbound a subscription is linked to, with the node that inbound belongs to.</summary>
public readonly record struct InboundLink(Guid Inbound, Guid Node);
