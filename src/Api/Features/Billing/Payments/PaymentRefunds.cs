using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>
/// Records a refund against a payment, inside the caller's transaction (staff refunds and provider
/// <c>payment.refunded</c> events both come here). Under the payment's row lock: the refunds never add up to more
/// than the amount (decimal arithmetic; the table's check constraint is the backstop). The refund that makes the
/// payment fully refunded ends the period the payment paid for: the subscription's expiry moves back by exactly
/// the length the payment added (<c>period_end − period_start</c>), but never before now. Partial refunds leave
/// the period alone.
/// </summary>
internal static class PaymentRefunds
{
    public const int MaxReason = 500;

    /// <summary>The refund, or the problem that refused it (nothing written then).</summary>
    public static async Task<(RefundDto? Refund, ProblemHttpResult? Problem)> RefundAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, LockedPayment payment, decimal? requested, string reason, Guid? actorId, DateTimeOffset now,
        CancellationToken ct)
    {
        if (!PaymentStatus.IsRefundable(payment.Status))
            return (null, Problem.Of(ProblemTypes.PaymentState, $"The payment is {payment.Status}; only succeeded or partially refunded payments can be refunded."));
        decimal remaining = payment.Amount - payment.Refunded;
        decimal amount = requested ?? remaining;
        if (amount > remaining)
        {
            return (null, Problem.Of(ProblemTypes.RefundExceedsPayment,
                $"{BillingJson.Money(amount, payment.Currency)} exceeds what is left to refund ({BillingJson.Money(remaining, payment.Currency)} of {BillingJson.Money(payment.Amount, payment.Currency)})."));
        }
        decimal total = payment.Refunded + amount;
        bool full = total == payment.Amount;

        DateTimeOffset? oldExpiry = null, newExpiry = null;
        if (full && payment.SubscriptionId is { } sid && payment.PeriodStart is { } start && payment.PeriodEnd is { } end)
        {
            oldExpiry = await PaymentsStore.LockSubscriptionExpiryAsync(conn, tx, sid, ct);
            if (oldExpiry is not null)
            {
                DateTimeOffset back = oldExpiry.Value - (end - start);
                newExpiry = back > now ? back : now;
                if (newExpiry < oldExpiry)
                {
                    await PaymentsStore.SetExpiryAsync(conn, tx, sid, newExpiry, ct);
                }
                else
                {
                    newExpiry = oldExpiry; // already at or before now: nothing to take back
                }
            }
        }
        bool ended = newExpiry is not null;

        var refund = new RefundDto(Ids.NewId(), payment.Id, Currencies.Normalize(amount, payment.Currency), payment.Currency, reason, actorId, ended, now);
        await PaymentsStore.AddRefundAsync(conn, tx, refund.Id, payment.Id, amount, reason, actorId, ended, now, total,
            full ? PaymentStatus.Refunded : PaymentStatus.PartiallyRefunded, ct);

        var meta = new JsonObject
        {
            ["refund"] = refund.Id.ToString(),
            ["amount"] = BillingJson.Money(amount, payment.Currency),
            ["refunded_total"] = BillingJson.Money(total, payment.Currency),
            ["full"] = full,
            ["reason"] = reason,
        };
        await AuditStore.AddAsync(conn, tx, actorId, "payment.refund", AuditStore.Target("payment", payment.Id), BillingJson.Meta(meta), ct);
        if (ended)
        {
            var periodMeta = new JsonObject
            {
                ["payment"] = payment.Id.ToString(),
                ["expires_at_before"] = oldExpiry,
                ["expires_at_after"] = newExpiry,
            };
            await AuditStore.AddAsync(conn, tx, actorId, "subscription.period_ended", AuditStore.Target("subscription", payment.SubscriptionId!.Value),
                BillingJson.Meta(periodMeta), ct);
        }
        return (refund, null);
    }
}
