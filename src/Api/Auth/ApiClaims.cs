using System.Security.Claims;

namespace Vpn.Perf.Api.Auth;

/// <summary>Claim names carried by access tokens and how handlers read them.</summary>
internal static class ApiClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    /// <summary>The refresh-token family (device session) the access token was issued for.</summary>
    public const string Session = "sid";
    /// <summary>On an API key's principal: the key's id (its principal has no session).</summary>
    public const string ApiKey = "akid";
    /// <summary>On an API key's principal: one claim per scope the key holds and the user's current role allows.</summary>
    public const string Scope = "scope";

    public static Guid UserId(this ClaimsPrincipal user)
        => Guid.TryParse(user.FindFirstValue(Subject), out var id) ? id : throw new InvalidOperationException("The access token has no user id.");

    public static Guid? SessionId(this ClaimsPrincipal user)
        => Guid.TryParse(user.FindFirstValue(Session), out var id) ? id : null;

    /// <summary>True when the caller authenticated with an API key rather than an access token.</summary>
    public static bool IsApiKey(this ClaimsPrincipal user)
        => user.Identity is { IsAuthenticated: true, AuthenticationType: ApiKeys.ApiKeyDefaults.Scheme };

    public static bool IsStaff(this ClaimsPrincipal user) => user.IsInRole(Roles.Superuser) || user.IsInRole(Roles.Operator);
}
