namespace Vpn.Perf.Api.Features.ApiKeys;

/// <summary>A creation request that passed <see cref="ApiKeyValidation"/>, normalised: trimmed name, distinct scopes, canonical networks.</summary>
internal sealed record ValidApiKey(string Name, string[] Scopes, DateTimeOffset? ExpiresAt, string[]? AllowedIps, int DailyQuota);
