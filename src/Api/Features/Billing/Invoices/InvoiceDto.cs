using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Billing.Invoices;

/// <summary>
/// An invoice: written once when a payment completes, never changed. <c>number</c> is INV-&lt;year&gt;-&lt;nnnnnn&gt;,
/// gap-free per year. <c>paymentStatus</c> and <c>refundedAmount</c> are the payment's current state (refunds come later).
/// </summary>
internal sealed record InvoiceDto(
    Guid Id, string Number, Guid PaymentId, Guid CustomerId, Guid PlanId, string PlanName,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal Amount,
    string Currency, string PaymentStatus,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal RefundedAmount,
    DateTimeOffset? PeriodStart, DateTimeOffset? PeriodEnd, DateTimeOffset IssuedAt);
