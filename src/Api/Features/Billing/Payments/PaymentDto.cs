using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>
/// A payment. Amounts are decimal strings with the currency's decimals. <c>status</c>: pending, succeeded, failed,
/// partially_refunded, refunded. <c>periodStart</c>/<c>periodEnd</c> are what a completed payment added to
/// <c>subscriptionId</c>; <c>invoiceNumber</c> is set once it completed.
/// </summary>
internal sealed record PaymentDto(
    Guid Id, Guid CustomerId, Guid PlanId, string PlanName,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal Amount,
    string Currency, string Duration, string Provider, string? ProviderPaymentId, string Status,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal RefundedAmount,
    Guid? SubscriptionId, DateTimeOffset? PeriodStart, DateTimeOffset? PeriodEnd, string? FailureReason,
    DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, Guid? InvoiceId, string? InvoiceNumber);
