namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>The answer of a refund: the refund and the payment as it now stands.</summary>
internal sealed record RefundResult(RefundDto Refund, PaymentDto Payment);
