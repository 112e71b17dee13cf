using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Vpn.Perf.Api.Auth;

internal static class AuthSetup
{
    /// <summary>JWT bearer authentication and the role policies. Throws at start-up when the signing key is too short.</summary>
    public static IServiceCollection AddApiAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(JwtOptions.Section).Get<JwtOptions>() ?? new JwtOptions();
        byte[] key = options.KeyBytes();
        services.AddSingleton(options);
        services.AddSingleton<AccessTokenIssuer>();
        services.AddSingleton(Passwords.FromConfiguration(configuration));
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = options.Issuer,
                ValidAudience = options.Audience,
                IssuerSigningKey = new SymmetricSecurityKey(key),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                ClockSkew = options.ClockSkew,
                NameClaimType = ApiClaims.Subject,
                RoleClaimType = ApiClaims.Role,
                RequireExpirationTime = true,
                RequireSignedTokens = true,
            };
        });
        services.AddAuthorization(Policies.Configure);
        return services;
    }
}
