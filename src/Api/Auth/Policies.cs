using Microsoft.AspNetCore.Authorization;

namespace Vpn.Perf.Api.Auth;

/// <summary>Authorization policy names; every endpoint group names one of these (or allows anonymous on purpose).</summary>
internal static class Policies
{
    /// <summary>Superusers only (audit log, operator accounts).</summary>
    public const string Superuser = "superuser";

    /// <summary>Superusers and operators: administration.</summary>
    public const string Staff = "staff";

    /// <summary>Any signed-in user; handlers restrict customers to what they own.</summary>
    public const string SignedIn = "signed-in";

    public static void Configure(AuthorizationOptions options)
    {
        options.AddPolicy(Superuser, p => p.RequireAuthenticatedUser().RequireRole(Roles.Superuser));
        options.AddPolicy(Staff, p => p.RequireAuthenticatedUser().RequireRole(Roles.Superuser, Roles.Operator));
        options.AddPolicy(SignedIn, p => p.RequireAuthenticatedUser());
        // An endpoint that forgets its rule is closed, not open.
        options.FallbackPolicy = options.GetPolicy(SignedIn);
    }
}
