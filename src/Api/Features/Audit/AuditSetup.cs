namespace Vpn.Perf.Api.Features.Audit;

internal static class AuditSetup
{
    /// <summary>The audit log's contracts.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
        => services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AuditJsonContext.Default));
}
