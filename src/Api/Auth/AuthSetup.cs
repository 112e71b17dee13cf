using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Vpn.Perf.Api.Auth.ApiKeys;

namespace Vpn.Perf.Api.Auth;

internal static class AuthSetup
{
    /// <summary>
    /// JWT bearer and API-key authentication, the default scheme that picks one by what the request presents, and the
    /// role and scope policies. Throws at start-up when the signing key is too short.
    /// </summary>
    public static IServiceCollection AddApiAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        _ = options.KeyBytes(); // refuse to start with a short key, not at the first request
        services.AddSingleton(options);
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton(Passwords.FromConfiguration(configuration));
        services.AddSingleton(AccountRules.FromConfiguration(configuration));
        services.AddSingleton<AccessRevocationCache>();
        services.AddHostedService<AccessRevocationListener>();
        services.AddSingleton(ApiKeyOptions.FromConfiguration(configuration));
        services.AddSingleton<ApiKeyCache>();
        services.AddHostedService<ApiKeyChangeListener>();
        services.AddSingleton<ApiKeyLastUse>();
        services.AddHostedService<ApiKeyLastUseWriter>();
        services.AddSingleton<ApiKeyLimiter>();
        services.AddAuthentication(ApiKeyDefaults.SelectorScheme)
            // A key is told from a JWT by its header or its vpk_ prefix; everything else (none included) is JwtBearer's.
            .AddPolicyScheme(ApiKeyDefaults.SelectorScheme, "Access token or API key", o => o.ForwardDefaultSelector =
                context => ApiKeyAuthenticationHandler.IsPresented(context.Request) ? ApiKeyDefaults.Scheme : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, null)
            .AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = ValidationParameters(options);
            // WWW-Authenticate says only "invalid_token": why a token failed (a wrong key, say) is no one's business.
            o.IncludeErrorDetails = false;
            o.Events = new JwtBearerEvents { OnTokenValidated = CheckRevocation };
        });
        services.AddAuthorization(Policies.Configure);
        return services;
    }

    /// <summary>A signature-valid token is still refused once its session or account has ended (no query while the cache is warm).</summary>
    private static Task CheckRevocation(TokenValidatedContext context)
    {
        ClaimsPrincipal? principal = context.Principal;
        if (principal is null || !Guid.TryParse(principal.FindFirstValue(ApiClaims.Subject), out Guid userId))
        {
            context.Fail("The access token has no user id.");
            return Task.CompletedTask;
        }
        var cache = context.HttpContext.RequestServices.GetRequiredService<AccessRevocationCache>();
        ValueTask<bool> allowed = cache.IsAllowedAsync(userId, principal.SessionId(), principal.FindFirstValue(ApiClaims.Role) ?? "",
            context.HttpContext.RequestAborted);
        if (!allowed.IsCompletedSuccessfully) return FailUnlessAllowedAsync(context, allowed);
        if (!allowed.Result) context.Fail(Ended);
        return Task.CompletedTask;
    }

    private static async Task FailUnlessAllowedAsync(TokenValidatedContext context, ValueTask<bool> allowed)
    {
        if (!await allowed) context.Fail(Ended);
    }

    private const string Ended = "The session or account of this access token has ended.";

    /// <summary>How every access token is checked (also what the auth benchmarks validate with).</summary>
    public static TokenValidationParameters ValidationParameters(JwtOptions options) => new()
    {
        ValidIssuer = options.Issuer,
        ValidAudience = options.Audience,
        IssuerSigningKey = new SymmetricSecurityKey(options.KeyBytes()),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = options.ClockSkew,
        NameClaimType = ApiClaims.Subject,
        RoleClaimType = ApiClaims.Role,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
    };
}
