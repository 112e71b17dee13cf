using Microsoft.AspNetCore.Authorization;

namespace Vpn.Perf.Api.Auth;

/// <summary>
/// Part of every policy (<see cref="Policies"/>, the default and the fallback): a session passes (its role policy
/// decides, as before keys existed); an API key passes only when the endpoint names a scope
/// (<see cref="RequiredScope"/>) that the key's principal carries. Its scopes are already cut to what the user's
/// current role allows (<see cref="ApiKeys.ApiKeyAuthenticationHandler"/>), and the role policy still applies, so a
/// key never does more than its user could.
/// </summary>
internal sealed class ApiKeyScopeRequirement : AuthorizationHandler<ApiKeyScopeRequirement>, IAuthorizationRequirement
{
    public static readonly ApiKeyScopeRequirement Instance = new();

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ApiKeyScopeRequirement requirement)
    {
        if (!context.User.IsApiKey())
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }
        Endpoint? endpoint = context.Resource switch
        {
            HttpContext http => http.GetEndpoint(),
            Endpoint e => e,
            _ => null,
        };
        if (endpoint?.Metadata.GetMetadata<RequiredScope>()?.Scope is { } scope && context.User.HasClaim(ApiClaims.Scope, scope))
        {
            context.Succeed(requirement);
        }
        return Task.CompletedTask;
    }
}
