namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>A node token as listed: never the key.</summary>
internal sealed record NodeTokenResponse(Guid Id, Guid NodeId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);
