using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Features.Billing.Invoices;
using Vpn.Perf.Api.Features.Billing.Payments;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Billing.Webhooks;

/// <summary>
/// Completes a pending payment, inside the webhook's transaction (the payment is already locked): creates the
/// customer's subscription for the plan or extends the one bought from the same plan, applies the plan's limits,
/// links its inbounds, writes the invoice and the audit entries. The subscription's state reaches Redis and the
/// config cache through the subscription triggers (0003 outbox, 0007 config_changed) of this same transaction.
/// </summary>
internal static class PaymentCompletion
{
    /// <summary>What a completion did, for the audit entry and the tests.</summary>
    public sealed record Outcome(Guid SubscriptionId, bool Created, DateTimeOffset? PeriodStart, DateTimeOffset? PeriodEnd, string InvoiceNumber);

    public static async Task<Outcome> CompleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, LockedPayment payment, string? providerPaymentId,
        string eventId, DateTimeOffset now, CancellationToken ct)
    {
        await ExecAsync(conn, tx, WebhooksSql.LockCustomer, ct, (payment.CustomerId, NpgsqlDbType.Uuid));

        string planName;
        long? maxTraffic, maxSpeed;
        string? resetPeriod;
        int? deviceLimit;
        await using (var cmd = new NpgsqlCommand(WebhooksSql.Plan, conn, tx))
        await using (NpgsqlDataReader r = await cmd.Arg(payment.PlanId, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct); // payments.plan_id references plans, and plans are never deleted
            planName = r.GetString(0);
            maxTraffic = r.IsDBNull(1) ? null : r.GetInt64(1);
            maxSpeed = r.IsDBNull(2) ? null : r.GetInt64(2);
            resetPeriod = r.IsDBNull(3) ? null : r.GetString(3);
            deviceLimit = r.IsDBNull(4) ? null : r.GetInt32(4);
        }

        Guid? existing = null;
        DateTimeOffset? currentExpiry = null;
        await using (var cmd = new NpgsqlCommand(WebhooksSql.FindSubscription, conn, tx))
        await using (NpgsqlDataReader r = await cmd.Arg(payment.CustomerId, NpgsqlDbType.Uuid).Arg(payment.PlanId, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct))
        {
            if (await r.ReadAsync(ct))
            {
                existing = r.GetGuid(0);
                currentExpiry = r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1);
            }
        }

        ResetPeriod duration = ResetPeriod.Parse(payment.Duration); // validated when the plan was saved
        Guid subscriptionId;
        DateTimeOffset? periodStart, periodEnd;
        if (existing is { } sid && currentExpiry is null)
        {
            // Staff made it perpetual: a payment cannot make it shorter, so it adds no period.
            subscriptionId = sid;
            periodStart = periodEnd = null;
            await ExtendAsync(conn, tx, sid, payment.PlanId, null, maxTraffic, maxSpeed, resetPeriod, null, ct);
        }
        else if (existing is { } extended)
        {
            subscriptionId = extended;
            bool lapsed = currentExpiry!.Value <= now;
            periodStart = lapsed ? now : currentExpiry.Value;
            periodEnd = PeriodEnd(duration, periodStart.Value);
            // A renewal after a lapse starts a fresh usage cycle; one before it keeps the cycle it is in.
            await ExtendAsync(conn, tx, extended, payment.PlanId, periodEnd, maxTraffic, maxSpeed, resetPeriod, lapsed ? now : null, ct);
        }
        else
        {
            subscriptionId = Ids.NewId();
            periodStart = now;
            periodEnd = PeriodEnd(duration, now);
            await ExecAsync(conn, tx, WebhooksSql.InsertSubscription, ct,
                (subscriptionId, NpgsqlDbType.Uuid), (payment.CustomerId, NpgsqlDbType.Uuid), (payment.PlanId, NpgsqlDbType.Uuid), (planName, NpgsqlDbType.Text),
                (Guid.NewGuid().ToString(), NpgsqlDbType.Text), // the proxy credential: random, unlike the time-ordered id
                (periodEnd.Value.ToUniversalTime(), NpgsqlDbType.TimestampTz), (maxTraffic, NpgsqlDbType.Bigint), (maxSpeed, NpgsqlDbType.Bigint),
                (resetPeriod, NpgsqlDbType.Text), (now.ToUniversalTime(), NpgsqlDbType.TimestampTz));
        }

        await ExecAsync(conn, tx, WebhooksSql.UpsertBilling, ct, (subscriptionId, NpgsqlDbType.Uuid), (payment.CustomerId, NpgsqlDbType.Uuid),
            (payment.PlanId, NpgsqlDbType.Uuid), (deviceLimit, NpgsqlDbType.Integer), (payment.Id, NpgsqlDbType.Uuid), (now.ToUniversalTime(), NpgsqlDbType.TimestampTz));
        await ExecAsync(conn, tx, WebhooksSql.LinkInbounds, ct, (subscriptionId, NpgsqlDbType.Uuid), (payment.PlanId, NpgsqlDbType.Uuid));
        await ExecAsync(conn, tx, WebhooksSql.Succeed, ct, (payment.Id, NpgsqlDbType.Uuid), (subscriptionId, NpgsqlDbType.Uuid),
            (periodStart?.ToUniversalTime(), NpgsqlDbType.TimestampTz), (periodEnd?.ToUniversalTime(), NpgsqlDbType.TimestampTz),
            (providerPaymentId, NpgsqlDbType.Text), (now.ToUniversalTime(), NpgsqlDbType.TimestampTz));

        string number = await WriteInvoiceAsync(conn, tx, payment, planName, periodStart, periodEnd, now, ct);

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
        return new Outcome(subscriptionId, existing is null, periodStart, periodEnd, number);
    }

    /// <summary>One period later, with the calendar arithmetic of reset periods (Jan 31 + P1M = Feb 28/29), in UTC.</summary>
    /// <remarks>Boundaries are whole milliseconds; the start's sub-millisecond part is carried over, so end − start is exact.</remarks>
    public static DateTimeOffset PeriodEnd(ResetPeriod duration, DateTimeOffset start)
    {
        long startMs = start.ToUnixTimeMilliseconds();
        return start.ToUniversalTime().AddMilliseconds(duration.Boundary(startMs, 1) - startMs);
    }

    private static Task ExtendAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid plan, DateTimeOffset? expires, long? maxTraffic,
        long? maxSpeed, string? resetPeriod, DateTimeOffset? anchor, CancellationToken ct)
        => ExecAsync(conn, tx, WebhooksSql.ExtendSubscription, ct, (id, NpgsqlDbType.Uuid), (plan, NpgsqlDbType.Uuid),
            (expires?.ToUniversalTime(), NpgsqlDbType.TimestampTz), (maxTraffic, NpgsqlDbType.Bigint), (maxSpeed, NpgsqlDbType.Bigint),
            (resetPeriod, NpgsqlDbType.Text), (anchor?.ToUniversalTime(), NpgsqlDbType.TimestampTz));

    /// <summary>The next gap-free number of the year (UTC) and the invoice row, in the completing transaction.</summary>
    private static async Task<string> WriteInvoiceAsync(NpgsqlConnection conn, NpgsqlTransaction tx, LockedPayment payment, string planName,
        DateTimeOffset? periodStart, DateTimeOffset? periodEnd, DateTimeOffset now, CancellationToken ct)
    {
        int year = now.UtcDateTime.Year;
        long seq;
        await using (var next = new NpgsqlCommand(InvoicesSql.NextNumber, conn, tx))
        {
            seq = (long)(await next.Arg(year, NpgsqlDbType.Integer).ExecuteScalarAsync(ct))!;
        }
        string number = string.Create(CultureInfo.InvariantCulture, $"INV-{year}-{seq:D6}");
        await ExecAsync(conn, tx, InvoicesSql.Insert, ct, (Ids.NewId(), NpgsqlDbType.Uuid), (number, NpgsqlDbType.Text), (year, NpgsqlDbType.Integer),
            (seq, NpgsqlDbType.Bigint), (payment.Id, NpgsqlDbType.Uuid), (payment.CustomerId, NpgsqlDbType.Uuid), (payment.PlanId, NpgsqlDbType.Uuid),
            (planName, NpgsqlDbType.Text), (payment.Amount, NpgsqlDbType.Numeric), (payment.Currency, NpgsqlDbType.Text),
            (periodStart?.ToUniversalTime(), NpgsqlDbType.TimestampTz), (periodEnd?.ToUniversalTime(), NpgsqlDbType.TimestampTz),
            (now.ToUniversalTime(), NpgsqlDbType.TimestampTz));
        return number;
    }

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct, params (object? Value, NpgsqlDbType Type)[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach ((object? value, NpgsqlDbType type) in args) cmd.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = type });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
