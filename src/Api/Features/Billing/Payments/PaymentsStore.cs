using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>
/// Every statement on payments and refunds, run on the caller's connection and transaction. Lists are keyset pages on
/// the UUIDv7 id, newest first; each filter has an index ending in id (schema/postgres/0008_billing.sql). The shared
/// filter folds away absent criteria.
/// </summary>
internal static class PaymentsStore
{
    private const string ColumnsSql = """
        p.id, p.customer_id, p.plan_id, pl.name, p.amount, p.currency, p.duration, p.provider, p.provider_payment_id, p.status,
        p.refunded_amount, p.subscription_id, p.period_start, p.period_end, p.failure_reason, p.created_at, p.completed_at,
        i.id, i.number
        """;

    private const string FromSql = """
         from payments p
         join plans pl on pl.id = p.plan_id
         left join invoices i on i.payment_id = p.id
        """;

    /// <summary>$1 customer (the caller's own id for a customer), $2 statuses, $3 plan, $4 created from (inclusive), $5 created before.</summary>
    private const string FilterSql = """
        ($1::uuid is null or p.customer_id = $1)
          and ($2::text[] is null or p.status = any($2))
          and ($3::uuid is null or p.plan_id = $3)
          and ($4::timestamptz is null or p.created_at >= $4)
          and ($5::timestamptz is null or p.created_at < $5)
        """;

    /// <summary>Filter, then $6 cursor (exclusive), $7 limit + 1.</summary>
    private const string ListSql = "select " + ColumnsSql + FromSql + " where " + FilterSql + """

          and ($6::uuid is null or p.id < $6)
        order by p.id desc
        limit $7
        """;

    /// <summary>Filter; one row per currency.</summary>
    private const string TotalsSql = """
        select p.currency, count(*)::int, sum(p.amount), sum(p.refunded_amount)
          from payments p
         where 
        """ + FilterSql + """

         group by p.currency
         order by p.currency
        """;

    /// <summary>$1 id, $2 the caller's own id when a customer (someone else's payment reads as absent).</summary>
    private const string GetSql = "select " + ColumnsSql + FromSql + " where p.id = $1 and ($2::uuid is null or p.customer_id = $2)";

    /// <summary>
    /// $1 id, $2 customer, $3 plan, $4 provider, $5 idempotency key, $6 request hash, $7 now. Amount, currency and
    /// duration are copied from the plan as it is now; no row when the plan is not on sale or the key was used.
    /// </summary>
    private const string InsertSql = """
        insert into payments (id, customer_id, plan_id, amount, currency, duration, provider, idempotency_key, request_hash, created_at)
        select $1, $2, pl.id, pl.price, pl.currency, pl.duration, $4, $5, $6, $7
          from plans pl
         where pl.id = $3 and pl.is_active
        on conflict (customer_id, idempotency_key) do nothing
        returning id
        """;

    /// <summary>$1 customer, $2 idempotency key.</summary>
    private const string ByKeySql = "select id, request_hash from payments where customer_id = $1 and idempotency_key = $2";

    private const string PlanActiveSql = "select is_active from plans where id = $1";

    private const string EmailVerifiedSql = "select email_verified_at is not null from users where id = $1";

    /// <summary>$1 payment, $2 the caller's own id when a customer.</summary>
    private const string RefundsSql = """
        select r.id, r.payment_id, r.amount, p.currency, r.reason, r.actor_id, r.ended_period, r.created_at
          from refunds r join payments p on p.id = r.payment_id
         where r.payment_id = $1 and ($2::uuid is null or p.customer_id = $2)
         order by r.id
        """;

    /// <summary>Locks the payment for a state change: $1 id.</summary>
    private const string LockSql = """
        select status, amount, currency, refunded_amount, subscription_id, period_start, period_end, customer_id, provider, plan_id, duration
          from payments where id = $1
           for update
        """;

    /// <summary>$1 id, $2 payment, $3 amount, $4 reason, $5 actor, $6 ended the period, $7 now.</summary>
    private const string InsertRefundSql = """
        insert into refunds (id, payment_id, amount, reason, actor_id, ended_period, created_at) values ($1, $2, $3, $4, $5, $6, $7)
        """;

    /// <summary>$1 payment, $2 new refunded total, $3 new status.</summary>
    private const string SetRefundedSql = "update payments set refunded_amount = $2, status = $3 where id = $1";

    /// <summary>Locks the subscription a full refund shortens: $1 id.</summary>
    private const string LockSubscriptionSql = "select expires_at from subscriptions where id = $1 for update";

    private const string SetExpirySql = "update subscriptions set expires_at = $2, version = version + 1 where id = $1";

    /// <summary>
    /// Starts a purchase at the plan's current price; false when nothing was inserted (the key was used before, or
    /// the plan is not on sale).
    /// </summary>
    public static async Task<bool> InsertAsync(NpgsqlConnection conn, Guid id, Guid customer, Guid planId, string provider, string idempotencyKey,
        byte[] requestHash, DateTimeOffset now, CancellationToken ct)
    {
        await using var insert = new NpgsqlCommand(InsertSql, conn);
        insert.Arg(id, NpgsqlDbType.Uuid).Arg(customer, NpgsqlDbType.Uuid).Arg(planId, NpgsqlDbType.Uuid).Arg(provider, NpgsqlDbType.Text)
            .Arg(idempotencyKey, NpgsqlDbType.Text).Arg(requestHash, NpgsqlDbType.Bytea).Arg(now);
        return await insert.ExecuteScalarAsync(ct) is Guid;
    }

    /// <summary>The payment a customer's idempotency key started, with the hash of what it asked for; null when the key is new.</summary>
    public static async Task<(Guid Id, byte[] RequestHash)?> ByKeyAsync(NpgsqlConnection conn, Guid customer, string idempotencyKey, CancellationToken ct)
    {
        await using var byKey = new NpgsqlCommand(ByKeySql, conn);
        byKey.Arg(customer, NpgsqlDbType.Uuid).Arg(idempotencyKey, NpgsqlDbType.Text);
        await using NpgsqlDataReader r = await byKey.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetGuid(0), r.GetFieldValue<byte[]>(1)) : null;
    }

    /// <summary>Whether the plan is on sale; null when there is no such plan.</summary>
    public static async Task<bool?> PlanActiveAsync(NpgsqlConnection conn, Guid planId, CancellationToken ct)
    {
        await using var active = new NpgsqlCommand(PlanActiveSql, conn);
        return await active.Arg(planId, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct) as bool?;
    }

    /// <summary>Whether the customer's email address is verified (false when the account is gone).</summary>
    public static async Task<bool> EmailVerifiedAsync(NpgsqlConnection conn, Guid customer, CancellationToken ct)
    {
        await using var verified = new NpgsqlCommand(EmailVerifiedSql, conn);
        return await verified.Arg(customer, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct) is true;
    }

    /// <summary>Up to <paramref name="take"/> + 1 of the filtered payments, newest first.</summary>
    public static async Task<List<PaymentDto>> ListAsync(NpgsqlDataSource db, BillingFilter filter, Guid? after, int take, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(ListSql);
        filter.Bind(cmd).Arg(after, NpgsqlDbType.Uuid).Arg(take + 1, NpgsqlDbType.Integer);
        return await ReadAllAsync(cmd, ct);
    }

    /// <summary>Sums of the filtered payments, one per currency.</summary>
    public static async Task<List<MoneyTotal>> TotalsAsync(NpgsqlDataSource db, BillingFilter filter, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(TotalsSql);
        filter.Bind(cmd);
        return await ReadTotalsAsync(cmd, ct);
    }

    /// <summary>The payment row under <c>FOR UPDATE</c> (see <see cref="LockedPayment"/>); null when there is no such payment.</summary>
    public static async Task<LockedPayment?> LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(LockSql, conn, tx);
        await using NpgsqlDataReader r = await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new LockedPayment(id, r.GetString(0), r.GetDecimal(1), r.GetString(2), r.GetDecimal(3),
            r.IsDBNull(4) ? null : r.GetGuid(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5),
            r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), r.GetGuid(7), r.GetString(8), r.GetGuid(9), r.GetString(10));
    }

    /// <summary>Locks the subscription a full refund shortens; its expiry (null when perpetual or gone).</summary>
    public static async Task<DateTimeOffset?> LockSubscriptionExpiryAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid subscriptionId, CancellationToken ct)
    {
        await using var lockSub = new NpgsqlCommand(LockSubscriptionSql, conn, tx);
        return await lockSub.Arg(subscriptionId, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct) is DateTime expires ? new DateTimeOffset(expires, TimeSpan.Zero) : null;
    }

    public static async Task SetExpiryAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid subscriptionId, DateTimeOffset? expiresAt, CancellationToken ct)
    {
        await using var set = new NpgsqlCommand(SetExpirySql, conn, tx);
        await set.Arg(subscriptionId, NpgsqlDbType.Uuid).Arg(expiresAt).ExecuteNonQueryAsync(ct);
    }

    /// <summary>Inserts the refund and sets the payment's refunded total and status, in one round.</summary>
    public static async Task AddRefundAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid refundId, Guid paymentId, decimal amount, string reason,
        Guid? actorId, bool endedPeriod, DateTimeOffset now, decimal refundedTotal, string status, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn, tx);
        var insert = new NpgsqlBatchCommand(InsertRefundSql);
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = refundId });
        insert.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = paymentId });
        insert.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = amount, NpgsqlDbType = NpgsqlDbType.Numeric });
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
        insert.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = actorId, NpgsqlDbType = NpgsqlDbType.Uuid });
        insert.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = endedPeriod });
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        batch.BatchCommands.Add(insert);
        var update = new NpgsqlBatchCommand(SetRefundedSql);
        update.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = paymentId });
        update.Parameters.Add(new NpgsqlParameter<decimal> { TypedValue = refundedTotal, NpgsqlDbType = NpgsqlDbType.Numeric });
        update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status });
        batch.BatchCommands.Add(update);
        await batch.ExecuteNonQueryAsync(ct);
    }

    public static async Task<PaymentDto?> GetAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, Guid? scopeCustomer, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(GetSql, conn, tx);
        cmd.Arg(id, NpgsqlDbType.Uuid).Arg(scopeCustomer, NpgsqlDbType.Uuid);
        List<PaymentDto> rows = await ReadAllAsync(cmd, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    private static async Task<List<PaymentDto>> ReadAllAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<PaymentDto>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            string currency = r.GetString(5);
            rows.Add(new PaymentDto(
                r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), Currencies.Normalize(r.GetDecimal(4), currency), currency,
                r.GetString(6), r.GetString(7), Text(r, 8), r.GetString(9), Currencies.Normalize(r.GetDecimal(10), currency),
                r.IsDBNull(11) ? null : r.GetGuid(11), Time(r, 12), Time(r, 13), Text(r, 14), r.GetFieldValue<DateTimeOffset>(15), Time(r, 16),
                r.IsDBNull(17) ? null : r.GetGuid(17), Text(r, 18)));
        }
        return rows;
    }

    public static async Task<List<RefundDto>> RefundsAsync(NpgsqlConnection conn, Guid paymentId, Guid? scopeCustomer, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(RefundsSql, conn);
        cmd.Arg(paymentId, NpgsqlDbType.Uuid).Arg(scopeCustomer, NpgsqlDbType.Uuid);
        var rows = new List<RefundDto>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            string currency = r.GetString(3);
            rows.Add(new RefundDto(r.GetGuid(0), r.GetGuid(1), Currencies.Normalize(r.GetDecimal(2), currency), currency, r.GetString(4),
                r.IsDBNull(5) ? null : r.GetGuid(5), r.GetBoolean(6), r.GetFieldValue<DateTimeOffset>(7)));
        }
        return rows;
    }

    /// <summary>Reads the rows of a totals statement (currency, count, amount, refunded), one per currency.</summary>
    public static async Task<List<MoneyTotal>> ReadTotalsAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<MoneyTotal>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            string currency = r.GetString(0);
            decimal amount = r.GetDecimal(2), refunded = r.GetDecimal(3);
            rows.Add(new MoneyTotal(currency, r.GetInt32(1), Currencies.Normalize(amount, currency), Currencies.Normalize(refunded, currency),
                Currencies.Normalize(amount - refunded, currency)));
        }
        return rows;
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
