using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>A refund; a null amount refunds everything not yet refunded (a full refund).</summary>
internal sealed record RefundRequest(
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal? Amount,
    string? Reason);
