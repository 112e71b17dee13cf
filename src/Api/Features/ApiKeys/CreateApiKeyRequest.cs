namespace Vpn.Perf.Api.Features.ApiKeys;

/// <summary>
/// Body of key creation; checked by <see cref="ApiKeyValidation.Validate"/>. <c>AllowedIps</c>: CIDRs or single
/// addresses, v4 or v6 (null: any address); <c>DailyQuota</c>: null takes <c>ApiKeys:DefaultDailyQuota</c>.
/// </summary>
internal sealed record CreateApiKeyRequest(string? Name, string[]? Scopes, DateTimeOffset? ExpiresAt, string[]? AllowedIps, int? DailyQuota);
