using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Billing.Payments;

namespace Vpn.Perf.Api.Features.Billing.Webhooks;

/// <summary>The webhook's statements: the idempotency gate, a payment's failure, and what a completion writes, all in the caller's transaction.</summary>
internal static class WebhooksStore
{
    /// <summary>
    /// The idempotency gate: $1 provider, $2 event id, $3 type, $4 received at. A second delivery of the same event
    /// finds the row (or, racing, waits on the first one's uncommitted row and then finds it) and gets no row back.
    /// </summary>
    private const string RecordEventSql = """
        insert into payment_events (provider, event_id, type, outcome, received_at) values ($1, $2, $3, 'ignored', $4)
        on conflict (provider, event_id) do nothing
        returning true
        """;

    /// <summary>$1 provider, $2 event id, $3 outcome, $4 payment.</summary>
    private const string SetOutcomeSql = "update payment_events set outcome = $3, payment_id = $4 where provider = $1 and event_id = $2";

    /// <summary>$1 payment, $2 reason, $3 provider payment id, $4 now.</summary>
    private const string FailSql = """
        update payments set status = 'failed', failure_reason = $2, provider_payment_id = coalesce($3, provider_payment_id), completed_at = $4
         where id = $1
        """;

    /// <summary>
    /// Serializes the completions of one customer (no key update: sessions and other rows that reference the user can
    /// still be inserted), so two payments for the same plan cannot both create a subscription.
    /// </summary>
    private const string LockCustomerSql = "select true from users where id = $1 for no key update";

    private const string PlanSql = "select name, max_traffic, max_speed, traffic_reset_period, device_limit from plans where id = $1";

    /// <summary>The customer's subscription bought from this plan, if any, locked: $1 customer, $2 plan.</summary>
    private const string FindSubscriptionSql = """
        select s.id, s.expires_at
          from subscription_billing b
          join subscriptions s on s.id = b.subscription_id
         where b.customer_id = $1 and b.plan_id = $2 and s.owner_id = $1
         order by s.id desc
         limit 1
           for update of s
        """;

    /// <summary>$1 id, $2 owner, $3 plan, $4 title, $5 secret, $6 expires, $7 max traffic, $8 max speed, $9 reset period, $10 now (created, anchor).</summary>
    private const string InsertSubscriptionSql = """
        insert into subscriptions (id, owner_id, plan_id, title, secret, expires_at, max_traffic, max_speed, traffic_reset_period, reset_anchor, created_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
        """;

    /// <summary>$1 id, $2 plan, $3 expires, $4 max traffic, $5 max speed, $6 reset period, $7 new anchor (null keeps it).</summary>
    private const string ExtendSubscriptionSql = """
        update subscriptions
           set plan_id = $2, expires_at = $3, max_traffic = $4, max_speed = $5, traffic_reset_period = $6,
               reset_anchor = coalesce($7, reset_anchor), version = version + 1
         where id = $1
        """;

    /// <summary>$1 subscription, $2 customer, $3 plan, $4 device limit, $5 payment, $6 now.</summary>
    private const string UpsertBillingSql = """
        insert into subscription_billing (subscription_id, customer_id, plan_id, device_limit, last_payment_id, updated_at)
        values ($1, $2, $3, $4, $5, $6)
        on conflict (subscription_id) do update
           set plan_id = excluded.plan_id, device_limit = excluded.device_limit, last_payment_id = excluded.last_payment_id,
               updated_at = excluded.updated_at
        """;

    /// <summary>
    /// The plan's device limit onto the subscription, like its traffic and speed limits (null inherits from the
    /// owner's groups, 0 is unlimited): $1 subscription, $2 limit.
    /// </summary>
    private const string SetDeviceLimitSql = "update subscriptions set device_limit = $2 where id = $1 and device_limit is distinct from $2";

    /// <summary>Links what the plan grants (its inbounds and every inbound of its nodes); links already there stay.</summary>
    private const string LinkInboundsSql = """
        insert into subscription_inbounds (subscription_id, inbound_id)
        select $1, inbound_id from plan_inbounds where plan_id = $2
        union
        select $1, i.id from plan_nodes pn join inbounds i on i.node_id = pn.node_id where pn.plan_id = $2
        on conflict do nothing
        """;

    /// <summary>$1 payment, $2 subscription, $3 period start, $4 period end, $5 provider payment id, $6 now.</summary>
    private const string SucceedSql = """
        update payments
           set status = 'succeeded', subscription_id = $2, period_start = $3, period_end = $4,
               provider_payment_id = coalesce($5, provider_payment_id), completed_at = $6
         where id = $1
        """;

    /// <summary>False when the provider's event was recorded before (a second delivery).</summary>
    public static async Task<bool> RecordEventAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string provider, string eventId, string type,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var gate = new NpgsqlCommand(RecordEventSql, conn, tx);
        gate.Arg(provider, NpgsqlDbType.Text).Arg(eventId, NpgsqlDbType.Text).Arg(type, NpgsqlDbType.Text).Arg(now);
        return await gate.ExecuteScalarAsync(ct) is not null;
    }

    public static async Task SetOutcomeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string provider, string eventId, string outcome, Guid paymentId,
        CancellationToken ct)
    {
        await using var set = new NpgsqlCommand(SetOutcomeSql, conn, tx);
        await set.Arg(provider, NpgsqlDbType.Text).Arg(eventId, NpgsqlDbType.Text).Arg(outcome, NpgsqlDbType.Text).Arg(paymentId, NpgsqlDbType.Uuid)
            .ExecuteNonQueryAsync(ct);
    }

    public static async Task FailAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid paymentId, string reason, string? providerPaymentId,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var fail = new NpgsqlCommand(FailSql, conn, tx);
        await fail.Arg(paymentId, NpgsqlDbType.Uuid).Arg(reason, NpgsqlDbType.Text).Arg(providerPaymentId, NpgsqlDbType.Text).Arg(now).ExecuteNonQueryAsync(ct);
    }

    public static Task LockCustomerAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid customerId, CancellationToken ct)
        => ExecAsync(conn, tx, LockCustomerSql, ct, (customerId, NpgsqlDbType.Uuid));

    /// <summary>The plan as it is now (payments.plan_id references plans, and plans are never deleted).</summary>
    public static async Task<(string Name, long? MaxTraffic, long? MaxSpeed, string? ResetPeriod, int? DeviceLimit)> PlanAsync(NpgsqlConnection conn,
        NpgsqlTransaction tx, Guid planId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(PlanSql, conn, tx);
        await using NpgsqlDataReader r = await cmd.Arg(planId, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetString(0), r.IsDBNull(1) ? null : r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3),
            r.IsDBNull(4) ? null : r.GetInt32(4));
    }

    /// <summary>The customer's subscription bought from this plan, locked, with its expiry; null when there is none.</summary>
    public static async Task<(Guid Id, DateTimeOffset? ExpiresAt)?> FindSubscriptionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid customerId,
        Guid planId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(FindSubscriptionSql, conn, tx);
        await using NpgsqlDataReader r = await cmd.Arg(customerId, NpgsqlDbType.Uuid).Arg(planId, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetGuid(0), r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    /// <summary>A new subscription of the plan with a fresh proxy secret, anchored at <paramref name="now"/>.</summary>
    public static Task InsertSubscriptionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid ownerId, Guid planId, string title,
        DateTimeOffset expiresAt, long? maxTraffic, long? maxSpeed, string? resetPeriod, DateTimeOffset now, CancellationToken ct)
        => ExecAsync(conn, tx, InsertSubscriptionSql, ct,
            (id, NpgsqlDbType.Uuid), (ownerId, NpgsqlDbType.Uuid), (planId, NpgsqlDbType.Uuid), (title, NpgsqlDbType.Text),
            (Guid.NewGuid().ToString(), NpgsqlDbType.Text), // the proxy credential: random, unlike the time-ordered id
            (expiresAt.ToUniversalTime(), NpgsqlDbType.TimestampTz), (maxTraffic, NpgsqlDbType.Bigint), (maxSpeed, NpgsqlDbType.Bigint),
            (resetPeriod, NpgsqlDbType.Text), (now.ToUniversalTime(), NpgsqlDbType.TimestampTz));

    /// <summary>Moves the subscription to the plan and its expiry; a null <paramref name="anchor"/> keeps the usage cycle.</summary>
    public static Task ExtendSubscriptionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid planId, DateTimeOffset? expires, long? maxTraffic,
        long? maxSpeed, string? resetPeriod, DateTimeOffset? anchor, CancellationToken ct)
        => ExecAsync(conn, tx, ExtendSubscriptionSql, ct, (id, NpgsqlDbType.Uuid), (planId, NpgsqlDbType.Uuid),
            (expires?.ToUniversalTime(), NpgsqlDbType.TimestampTz), (maxTraffic, NpgsqlDbType.Bigint), (maxSpeed, NpgsqlDbType.Bigint),
            (resetPeriod, NpgsqlDbType.Text), (anchor?.ToUniversalTime(), NpgsqlDbType.TimestampTz));

    /// <summary>Records the purchase on the subscription (with the plan's device limit), links what the plan grants and marks the payment succeeded.</summary>
    public static async Task SucceedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, LockedPayment payment, Guid subscriptionId, int? deviceLimit,
        DateTimeOffset? periodStart, DateTimeOffset? periodEnd, string? providerPaymentId, DateTimeOffset now, CancellationToken ct)
    {
        await ExecAsync(conn, tx, UpsertBillingSql, ct, (subscriptionId, NpgsqlDbType.Uuid), (payment.CustomerId, NpgsqlDbType.Uuid),
            (payment.PlanId, NpgsqlDbType.Uuid), (deviceLimit, NpgsqlDbType.Integer), (payment.Id, NpgsqlDbType.Uuid), (now.ToUniversalTime(), NpgsqlDbType.TimestampTz));
        await ExecAsync(conn, tx, SetDeviceLimitSql, ct, (subscriptionId, NpgsqlDbType.Uuid), (deviceLimit, NpgsqlDbType.Integer));
        await ExecAsync(conn, tx, LinkInboundsSql, ct, (subscriptionId, NpgsqlDbType.Uuid), (payment.PlanId, NpgsqlDbType.Uuid));
        await ExecAsync(conn, tx, SucceedSql, ct, (payment.Id, NpgsqlDbType.Uuid), (subscriptionId, NpgsqlDbType.Uuid),
            (periodStart?.ToUniversalTime(), NpgsqlDbType.TimestampTz), (periodEnd?.ToUniversalTime(), NpgsqlDbType.TimestampTz),
            (providerPaymentId, NpgsqlDbType.Text), (now.ToUniversalTime(), NpgsqlDbType.TimestampTz));
    }

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct, params (object? Value, NpgsqlDbType Type)[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach ((object? value, NpgsqlDbType type) in args) cmd.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = type });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
