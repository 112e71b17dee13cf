using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Vpn.Perf.Api.Auth;

internal static class AuthSetup
{
    /// <summary>JWT bearer authentication and the role policies. Throws at start-up when the signing key is too short.</summary>
    public static IServiceCollection AddApiAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        _ = options.KeyBytes(); // refuse to start with a short key, not at the first request
        services.AddSingleton(options);
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton(Passwords.FromConfiguration(configuration));
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = ValidationParameters(options);
        });
        services.AddAuthorization(Policies.Configure);
        return services;
    }

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
