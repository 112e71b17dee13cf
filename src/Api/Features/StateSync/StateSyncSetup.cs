using StackExchange.Redis;

namespace Vpn.Perf.Api.Features.StateSync;

internal static class StateSyncSetup
{
    /// <summary>
    /// The outbox dispatcher, the reconciler and the over-limit consumer (docs/api-state-sync.md). Registered for the
    /// web host only; the administrative commands of the binary never start hosted services.
    /// </summary>
    public static IServiceCollection AddStateSync(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(StateSyncOptions.Section).Get<StateSyncOptions>() ?? new StateSyncOptions();
        options.Validate();
        services.AddSingleton(options);
        services.AddSingleton<OverLimitEvaluator>();
        services.AddSingleton<RejectionAuditWriter>();
        services.AddSingleton<ReconcileTrigger>();
        if (!options.Enabled) return services;

        services.AddHostedService<OutboxDispatcher>();
        services.AddHostedService<StateReconciler>();
        services.AddHostedService(sp => new OverLimitConsumer(
            sp.GetRequiredService<IDatabase>(),
            sp.GetRequiredService<OverLimitEvaluator>(),
            sp.GetRequiredService<RejectionAuditWriter>(),
            options,
            sp.GetRequiredService<StatePublisher>().BucketCount,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<OverLimitConsumer>>()));
        return services;
    }
}
