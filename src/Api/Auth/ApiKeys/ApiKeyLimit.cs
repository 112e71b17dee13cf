namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>What <see cref="ApiKeyLimiter"/> decided for one request.</summary>
internal enum ApiKeyLimit
{
    Allowed = 0,
    /// <summary>The key's per-minute rate is used up (429 <c>too-many-requests</c>).</summary>
    RateLimited = 1,
    /// <summary>The key's daily quota is used up (429 <c>quota-exhausted</c>).</summary>
    QuotaExhausted = 2,
}
