using Microsoft.AspNetCore.Authorization;

namespace Vpn.Perf.Api.Auth;

/// <summary>
/// Authorization policy names; every endpoint group names one of these (or allows anonymous on purpose) and, for API
/// keys, a scope (<see cref="ScopeEndpointExtensions"/>). Every policy, the default and the fallback include
/// <see cref="ApiKeyScopeRequirement"/>: sessions are judged by role, keys by role and scope.
/// </summary>
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
        options.AddPolicy(Superuser, p => p.RequireAuthenticatedUser().RequireRole(Roles.Superuser).AddRequirements(ApiKeyScopeRequirement.Instance));
        options.AddPolicy(Staff, p => p.RequireAuthenticatedUser().RequireRole(Roles.Superuser, Roles.Operator).AddRequirements(ApiKeyScopeRequirement.Instance));
        options.AddPolicy(SignedIn, p => p.RequireAuthenticatedUser().AddRequirements(ApiKeyScopeRequirement.Instance));
        // An endpoint that forgets its rule is closed, not open; to an API key also when it names a policy but no scope.
        options.DefaultPolicy = options.GetPolicy(SignedIn)!;
        options.FallbackPolicy = options.GetPolicy(SignedIn);
    }
}
