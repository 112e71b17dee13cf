using System.Security.Claims;

namespace Vpn.Perf.Api.Auth;

/// <summary>Claim names carried by access tokens and how handlers read them.</summary>
internal static class ApiClaims
{
    public const string Subject = "sub";
    public const string Role = "role";
    /// <summary>The refresh-token family (device session) the access token was issued for.</summary>
    public const string Session = "sid";

    public static Guid UserId(this ClaimsPrincipal user)
        => Guid.TryParse(user.FindFirstValue(Subject), out var id) ? id : throw new InvalidOperationException("The access token has no user id.");

    public static Guid? SessionId(this ClaimsPrincipal user)
        => Guid.TryParse(user.FindFirstValue(Session), out var id) ? id : null;

    public static bool IsStaff(this ClaimsPrincipal user) => user.IsInRole(Roles.Superuser) || user.IsInRole(Roles.Operator);
}
