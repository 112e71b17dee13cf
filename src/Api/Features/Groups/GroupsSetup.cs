namespace Vpn.Perf.Api.Features.Groups;

internal static class GroupsSetup
{
    /// <summary>The group administration's contracts.</summary>
    public static IServiceCollection AddGroups(this IServiceCollection services)
        => services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, GroupsJsonContext.Default));
}
