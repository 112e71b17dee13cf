using Vpn.Perf.Api.Features.Billing.Invoices;
using Vpn.Perf.Api.Features.Billing.Lifecycle;
using Vpn.Perf.Api.Features.Billing.Payments;
using Vpn.Perf.Api.Features.Billing.Plans;
using Vpn.Perf.Api.Features.Billing.Webhooks;

namespace Vpn.Perf.Api.Features.Billing;

/// <summary>Billing's services and endpoints: one line each in Program.cs.</summary>
internal static class BillingSetup
{
    public static IServiceCollection AddBilling(this IServiceCollection services, IConfiguration configuration)
    {
        BillingOptions options = BillingOptions.FromConfiguration(configuration);
        services.AddSingleton(options);
        services.AddSingleton<ExpiryJob>();
        if (options.ExpiryJobEnabled) services.AddHostedService(sp => sp.GetRequiredService<ExpiryJob>());
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, BillingJsonContext.Default));
        return services;
    }

    /// <summary>Plans, payments (with the provider webhook), invoices and the billing status of subscriptions.</summary>
    public static IEndpointRouteBuilder MapBilling(this IEndpointRouteBuilder app)
    {
        app.MapPlans();
        app.MapPayments();
        app.MapWebhooks();
        app.MapInvoices();
        app.MapLifecycle();
        return app;
    }
}
