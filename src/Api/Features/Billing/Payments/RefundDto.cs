using System.Text.Json.Serialization;

namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>One refund. <c>endedPeriod</c>: it completed a full refund and took back the period the payment added.</summary>
internal sealed record RefundDto(
    Guid Id, Guid PaymentId,
    [property: JsonNumberHandling(JsonNumberHandling.WriteAsString | JsonNumberHandling.AllowReadingFromString)] decimal Amount,
    string Currency, string Reason, Guid? ActorId, bool EndedPeriod, DateTimeOffset CreatedAt);
