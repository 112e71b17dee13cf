namespace Vpn.Perf.Api.Features.ApiKeys;

/// <summary>The answer to key creation: the only time <see cref="Key"/> is ever shown (only its SHA-256 is kept).</summary>
internal sealed record ApiKeyCreated(Guid Id, string Name, string Key, string Prefix, string[] Scopes, string[]? AllowedIps, int DailyQuota,
    DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);
