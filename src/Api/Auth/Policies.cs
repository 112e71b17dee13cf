using Microsoft.AspNetCore.Authorization;

namespace Vpn.Perf.Api.Auth;

/// <summary>
/// Authorization policy names; every endpoint group names one of these (or allows anonymous on purpose) and, for API
/// keys, a scope (<see cref="ScopeEndpointExtensions"/>). Every policy, the default and the fallback include
/// <see cref="ApiKeyScopeRequirement"/>: sessions are judged by role, keys by role and scope. Policies that admit
/// resellers rely on the handlers' queries being confined to the reseller's rows (<see cref="CallerScope"/>).
/// </summary>
internal static class Policies
{
    /// <summary>Superusers only (audit log, operator accounts, reseller quotas).</summary>
    public const string Superuser = "superuser";

    /// <summary>Superusers and operators: administration of everything (nodes, inbounds, groups, plans, refunds).</summary>
    public const string Staff = "staff";

    /// <summary>Staff and resellers (their own rows only): create and change customers and subscriptions.</summary>
    public const string Managers = "managers";

    /// <summary>
    /// Managers and support: read customers, subscriptions, their devices and inbound links, and remove or reset
    /// devices (support's one kind of change besides rotating config links).
    /// </summary>
    public const string Viewers = "viewers";

    /// <summary>Any signed-in user but support, for changes a customer may make to what they own (auto-renew).</summary>
    public const string Writers = "writers";

    /// <summary>Any signed-in user; handlers restrict customers and resellers to what they own.</summary>
    public const string SignedIn = "signed-in";

    /// <summary>The roles a policy admits (empty: any signed-in user); also what the OpenAPI document lists.</summary>
    public static string[] RolesOf(string policy) => policy switch
    {
        Superuser => [Roles.Superuser],
        Staff => [Roles.Superuser, Roles.Operator],
        Managers => [Roles.Superuser, Roles.Operator, Roles.Reseller],
        Viewers => [Roles.Superuser, Roles.Operator, Roles.Reseller, Roles.Support],
        Writers => [Roles.Superuser, Roles.Operator, Roles.Reseller, Roles.Customer],
        _ => [],
    };

    public static void Configure(AuthorizationOptions options)
    {
        foreach (string name in (string[])[Superuser, Staff, Managers, Viewers, Writers])
        {
            options.AddPolicy(name, p => p.RequireAuthenticatedUser().RequireRole(RolesOf(name)).AddRequirements(ApiKeyScopeRequirement.Instance));
        }
        options.AddPolicy(SignedIn, p => p.RequireAuthenticatedUser().AddRequirements(ApiKeyScopeRequirement.Instance));
        // An endpoint that forgets its rule is closed, not open; to an API key also when it names a policy but no scope.
        options.DefaultPolicy = options.GetPolicy(SignedIn)!;
        options.FallbackPolicy = options.GetPolicy(SignedIn);
    }
}
