namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>The answer to token creation: the only time <see cref="Key"/> is ever shown (only its SHA-256 is kept).</summary>
internal sealed record NodeTokenCreated(Guid Id, Guid NodeId, string Key, DateTimeOffset CreatedAt);
