namespace Vpn.Perf.Api.Features.ApiKeys;

/// <summary>A key as listed: never the key, only its first characters (<c>Prefix</c>) so its owner can tell keys apart.</summary>
internal sealed record ApiKeyResponse(Guid Id, string Name, string Prefix, string[] Scopes, string[]? AllowedIps, int DailyQuota,
    DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt);
