using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Vpn.Perf.Api.Auth;

/// <summary>
/// Declares the two ways to authenticate in the OpenAPI document, so the browsable reference's Authorize button and
/// generated clients know what to send: <c>Bearer</c> (an access token, or an API key as a bearer) and <c>ApiKey</c>
/// (the <c>X-Api-Key</c> header). Each operation lists what it needs, read from the same endpoint metadata the
/// authorization middleware uses: the roles under <c>Bearer</c> (empty: any signed-in user) and, when keys may
/// call it, the scope under <c>ApiKey</c>. Anonymous operations list nothing.
/// </summary>
internal static class OpenApiSecurity
{
    public const string BearerScheme = "Bearer";
    public const string ApiKeyScheme = "ApiKey";

    public static OpenApiOptions AddApiSecurity(this OpenApiOptions options)
        => options.AddOperationTransformer((operation, context, _) =>
        {
            IList<object> metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any() || context.Document is not { } document) return Task.CompletedTask;
            AddSchemes(document);
            string[] roles = RolesOf(metadata);
            string? scope = metadata.OfType<RequiredScope>().LastOrDefault()?.Scope;
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [.. roles] });
            if (scope is not null)
            {
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [scope] });
            }
            string who = roles.Length == 0 ? "any signed-in user" : "role " + string.Join(" or ", roles);
            string keys = scope is null ? "API keys are not accepted" : $"API keys need scope `{scope}`";
            operation.Description = (operation.Description is { Length: > 0 } d ? d + "\n\n" : "") + $"Authorization: {who}; {keys}.";
            return Task.CompletedTask;
        });

    private static void AddSchemes(OpenApiDocument document)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes.TryAdd(BearerScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT or vpk_ API key",
            Description = "An access token from POST /api/v1/auth/login, or an API key (vpk_…) from POST /api/v1/api-keys.",
        });
        document.Components.SecuritySchemes.TryAdd(ApiKeyScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeys.ApiKeyDefaults.Header,
            Description = "An API key (vpk_…); it needs the scope the operation names, and its user's role.",
        });
    }

    /// <summary>The roles the endpoint's policies require (all must pass, so the narrowest set); none: any signed-in user.</summary>
    private static string[] RolesOf(IList<object> metadata)
    {
        string[]? roles = null;
        foreach (object item in metadata)
        {
            string[]? these = item switch
            {
                IAuthorizeData { Policy: Policies.Superuser } => [Roles.Superuser],
                IAuthorizeData { Policy: Policies.Staff } => [Roles.Superuser, Roles.Operator],
                AuthorizationPolicy policy => policy.Requirements.OfType<Microsoft.AspNetCore.Authorization.Infrastructure.RolesAuthorizationRequirement>()
                    .SelectMany(r => r.AllowedRoles).ToArray() is { Length: > 0 } inline ? inline : null,
                _ => null,
            };
            if (these is not null) roles = roles is null ? these : [.. roles.Intersect(these, StringComparer.Ordinal)];
        }
        return roles ?? [];
    }
}
