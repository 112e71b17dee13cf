using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>Starts a purchase of an active plan; the provider defaults to Billing:DefaultProvider (or the only one configured).</summary>
internal sealed record PurchaseRequest(Guid? PlanId, string? Provider);

/// <summary>A refund; a null amount refunds everything not yet refunded (a full refund).</summary>
internal sealed record RefundRequest(
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal? Amount,
    string? Reason);
