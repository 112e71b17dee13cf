using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>
/// Authenticates <c>X-Api-Key: vpk_…</c> or <c>Authorization: Bearer vpk_…</c>. A key passes when it is live (not
/// revoked, not expired), the request comes from its allowlist, and its user is active; the principal then carries
/// the user's current role and the key's scopes that role allows, so a lowered role or a disabled account narrows
/// or ends every key at the next request. Warm, this costs no query (<see cref="ApiKeyCache"/>, <see cref="AccessRevocationCache"/>).
/// Every failure says the same thing: why a key failed is no one's business.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiKeyCache keys, AccessRevocationCache accounts, ApiKeyLastUse lastUse, TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string Invalid = "The API key is not valid.";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!TryGetPresented(Request, out string? presented)) return presented is null ? AuthenticateResult.NoResult() : AuthenticateResult.Fail(Invalid);
        if (!ApiKeyToken.TryHash(presented, out byte[] hash)) return AuthenticateResult.Fail(Invalid);
        CancellationToken ct = Context.RequestAborted;
        if (await keys.FindAsync(hash, ct) is not { } key) return AuthenticateResult.Fail(Invalid);
        DateTimeOffset now = time.GetUtcNow();
        if (key.IsExpired(now) || !key.Allows(Context.Connection.RemoteIpAddress)) return AuthenticateResult.Fail(Invalid);
        if (await accounts.ActiveRoleAsync(key.UserId, ct) is not { } role) return AuthenticateResult.Fail(Invalid);

        var claims = new List<Claim>(4 + key.Scopes.Length)
        {
            new(ApiClaims.Subject, key.UserId.ToString()),
            new(ApiClaims.Role, role),
            new(ApiClaims.ApiKey, key.Id.ToString()),
        };
        foreach (string scope in key.Scopes)
        {
            if (ApiScopes.Allows(role, scope)) claims.Add(new Claim(ApiClaims.Scope, scope));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, ApiKeyDefaults.Scheme, ApiClaims.Subject, ApiClaims.Role));
        Context.Features.Set(key);
        lastUse.Record(key.Id, now);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, ApiKeyDefaults.Scheme));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return Task.CompletedTask;
    }

    /// <summary>
    /// True with the key when exactly one credential is a key. False with null when none is (the JWT scheme decides);
    /// false with a value when the request is ambiguous (a key header beside an Authorization header), which fails.
    /// </summary>
    public static bool TryGetPresented(HttpRequest request, out string? presented)
    {
        string? header = request.Headers[ApiKeyDefaults.Header].Count switch
        {
            0 => null,
            1 => request.Headers[ApiKeyDefaults.Header][0],
            _ => "",
        };
        string? authorization = request.Headers.Authorization.Count == 0 ? null : request.Headers.Authorization.ToString();
        if (header is not null)
        {
            presented = header;
            return authorization is null && header.Length > 0;
        }
        if (authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && ApiKeyToken.LooksLikeKey(authorization.AsSpan(7).Trim()))
        {
            presented = authorization[7..].Trim();
            return true;
        }
        presented = null;
        return false;
    }

    /// <summary>The default scheme's choice: this one when any key header or key bearer is present, else JWT bearer.</summary>
    public static bool IsPresented(HttpRequest request)
        => request.Headers.ContainsKey(ApiKeyDefaults.Header) || TryGetPresented(request, out _);
}
