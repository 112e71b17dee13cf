namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>Starts a purchase of an active plan; the provider defaults to Billing:DefaultProvider (or the only one configured).</summary>
internal sealed record PurchaseRequest(Guid? PlanId, string? Provider);
