namespace Vpn.Perf.Api.Features.Auth;

internal static class AuthSetup
{
    /// <summary>
    /// Session store, account mail, rate limiters and JSON contracts of the auth endpoints (needs <c>AddApiAuth</c> for
    /// tokens and passwords and <c>AddMail</c> for the outbox).
    /// </summary>
    public static IServiceCollection AddAuthFeature(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(AuthOptions.FromConfiguration(configuration));
        services.AddSingleton<AuthRateLimiter>();
        services.AddSingleton<SessionTokens>();
        services.AddSingleton<AccountMail>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AuthJsonContext.Default));
        return services;
    }
}
