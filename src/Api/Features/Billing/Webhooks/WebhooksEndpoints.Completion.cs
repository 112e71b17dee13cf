using System.Text.Json.Nodes;
using Npgsql;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Features.Billing.Invoices;
using Vpn.Perf.Api.Features.Billing.Payments;
using Vpn.Perf.Api.Features.WireGuard;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Billing.Webhooks;

internal static partial class WebhooksEndpoints
{
    /// <summary>
    /// Completes a pending payment, inside the webhook's transaction (the payment is already locked): creates the
    /// customer's subscription for the plan or extends the one bought from the same plan, applies the plan's limits,
    /// links its inbounds, writes the invoice and the audit entries. The subscription's state reaches Redis and the
    /// config cache through the subscription triggers (0003 outbox, 0007 config_changed) of this same transaction.
    /// WireGuard peers of the new links are made here too; a full pool does not fail the payment (the customer paid, and
    /// the provider would retry forever): the link stays without a peer, logged, until staff re-link it (docs/wireguard.md).
    /// </summary>
    private static async Task CompleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, LockedPayment payment, string? providerPaymentId,
        string eventId, WireGuardPeers peers, ILogger logger, DateTimeOffset now, CancellationToken ct)
    {
        await WebhooksStore.LockCustomerAsync(conn, tx, payment.CustomerId, ct);
        (string planName, long? maxTraffic, long? maxSpeed, string? resetPeriod, int? deviceLimit) = await WebhooksStore.PlanAsync(conn, tx, payment.PlanId, ct);
        Guid? existing = null;
        DateTimeOffset? currentExpiry = null;
        if (await WebhooksStore.FindSubscriptionAsync(conn, tx, payment.CustomerId, payment.PlanId, ct) is { } found)
        {
            existing = found.Id;
            currentExpiry = found.ExpiresAt;
        }

        ResetPeriod duration = ResetPeriod.Parse(payment.Duration); // validated when the plan was saved
        Guid subscriptionId;
        DateTimeOffset? periodStart, periodEnd;
        if (existing is { } sid && currentExpiry is null)
        {
            // Staff made it perpetual: a payment cannot make it shorter, so it adds no period.
            subscriptionId = sid;
            periodStart = periodEnd = null;
            await WebhooksStore.ExtendSubscriptionAsync(conn, tx, sid, payment.PlanId, null, maxTraffic, maxSpeed, resetPeriod, null, ct);
        }
        else if (existing is { } extended)
        {
            subscriptionId = extended;
            bool lapsed = currentExpiry!.Value <= now;
            periodStart = lapsed ? now : currentExpiry.Value;
            periodEnd = PeriodEnd(duration, periodStart.Value);
            // A renewal after a lapse starts a fresh usage cycle; one before it keeps the cycle it is in.
            await WebhooksStore.ExtendSubscriptionAsync(conn, tx, extended, payment.PlanId, periodEnd, maxTraffic, maxSpeed, resetPeriod, lapsed ? now : null, ct);
        }
        else
        {
            subscriptionId = Ids.NewId();
            periodStart = now;
            periodEnd = PeriodEnd(duration, now);
            await WebhooksStore.InsertSubscriptionAsync(conn, tx, subscriptionId, payment.CustomerId, payment.PlanId, planName, periodEnd.Value,
                maxTraffic, maxSpeed, resetPeriod, now, ct);
        }

        await WebhooksStore.SucceedAsync(conn, tx, payment, subscriptionId, deviceLimit, periodStart, periodEnd, providerPaymentId, now, ct);
        if (await peers.EnsureAsync(conn, tx, subscriptionId, ct) is { } failed)
        {
            WebhooksLog.PeerNotMade(logger, subscriptionId, failed.InboundId, failed.Failure);
        }

        string number = await InvoicesStore.InsertAsync(conn, tx, payment, planName, periodStart, periodEnd, now, ct);

        var meta = new JsonObject
        {
            ["event"] = eventId,
            ["amount"] = BillingJson.Money(payment.Amount, payment.Currency),
            ["subscription"] = subscriptionId.ToString(),
            ["created_subscription"] = existing is null,
            ["period_start"] = periodStart,
            ["period_end"] = periodEnd,
            ["invoice"] = number,
        };
        await AuditStore.AddAsync(conn, tx, null, "payment.succeeded", AuditStore.Target("payment", payment.Id), BillingJson.Meta(meta), ct);
        await AuditStore.AddAsync(conn, tx, null, existing is null ? "subscription.purchase" : "subscription.extend",
            AuditStore.Target("subscription", subscriptionId), BillingJson.Meta(new JsonObject
            {
                ["payment"] = payment.Id.ToString(),
                ["plan"] = payment.PlanId.ToString(),
                ["expires_at_before"] = currentExpiry,
                ["expires_at_after"] = periodEnd ?? currentExpiry,
            }), ct);
    }

    /// <summary>One period later, with the calendar arithmetic of reset periods (Jan 31 + P1M = Feb 28/29), in UTC.</summary>
    /// <remarks>Boundaries are whole milliseconds; the start's sub-millisecond part is carried over, so end − start is exact.</remarks>
    public static DateTimeOffset PeriodEnd(ResetPeriod duration, DateTimeOffset start)
    {
        long startMs = start.ToUnixTimeMilliseconds();
        return start.ToUniversalTime().AddMilliseconds(duration.Boundary(startMs, 1) - startMs);
    }
}
