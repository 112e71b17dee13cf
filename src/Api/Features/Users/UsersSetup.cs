namespace Vpn.Perf.Api.Features.Users;

internal static class UsersSetup
{
    /// <summary>The user administration's contracts.</summary>
    public static IServiceCollection AddUsers(this IServiceCollection services)
        => services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, UsersJsonContext.Default));
}
