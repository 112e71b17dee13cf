namespace Vpn.Perf.Api.Features.Billing.Payments;

/// <summary>
/// Payment statements. Lists are keyset pages on the UUIDv7 id, newest first; each filter has an index ending in id
/// (schema/postgres/0008_billing.sql). The shared filter folds away absent criteria.
/// </summary>
internal static class PaymentsSql
{
    public const string Columns = """
        p.id, p.customer_id, p.plan_id, pl.name, p.amount, p.currency, p.duration, p.provider, p.provider_payment_id, p.status,
        p.refunded_amount, p.subscription_id, p.period_start, p.period_end, p.failure_reason, p.created_at, p.completed_at,
        i.id, i.number
        """;

    private const string From = """
         from payments p
         join plans pl on pl.id = p.plan_id
         left join invoices i on i.payment_id = p.id
        """;

    /// <summary>$1 customer (the caller's own id for a customer), $2 statuses, $3 plan, $4 created from (inclusive), $5 created before.</summary>
    private const string Filter = """
        ($1::uuid is null or p.customer_id = $1)
          and ($2::text[] is null or p.status = any($2))
          and ($3::uuid is null or p.plan_id = $3)
          and ($4::timestamptz is null or p.created_at >= $4)
          and ($5::timestamptz is null or p.created_at < $5)
        """;

    /// <summary>Filter, then $6 cursor (exclusive), $7 limit + 1.</summary>
    public const string List = "select " + Columns + From + " where " + Filter + """

          and ($6::uuid is null or p.id < $6)
        order by p.id desc
        limit $7
        """;

    /// <summary>Filter; one row per currency.</summary>
    public const string Totals = """
        select p.currency, count(*)::int, sum(p.amount), sum(p.refunded_amount)
          from payments p
         where 
        """ + Filter + """

         group by p.currency
         order by p.currency
        """;

    /// <summary>$1 id, $2 the caller's own id when a customer (someone else's payment reads as absent).</summary>
    public const string Get = "select " + Columns + From + " where p.id = $1 and ($2::uuid is null or p.customer_id = $2)";

    /// <summary>
    /// $1 id, $2 customer, $3 plan, $4 provider, $5 idempotency key, $6 request hash, $7 now. Amount, currency and
    /// duration are copied from the plan as it is now; no row when the plan is not on sale or the key was used.
    /// </summary>
    public const string Insert = """
        insert into payments (id, customer_id, plan_id, amount, currency, duration, provider, idempotency_key, request_hash, created_at)
        select $1, $2, pl.id, pl.price, pl.currency, pl.duration, $4, $5, $6, $7
          from plans pl
         where pl.id = $3 and pl.is_active
        on conflict (customer_id, idempotency_key) do nothing
        returning id
        """;

    /// <summary>$1 customer, $2 idempotency key.</summary>
    public const string ByKey = "select id, request_hash from payments where customer_id = $1 and idempotency_key = $2";

    public const string PlanActive = "select is_active from plans where id = $1";

    /// <summary>$1 payment, $2 the caller's own id when a customer.</summary>
    public const string Refunds = """
        select r.id, r.payment_id, r.amount, p.currency, r.reason, r.actor_id, r.ended_period, r.created_at
          from refunds r join payments p on p.id = r.payment_id
         where r.payment_id = $1 and ($2::uuid is null or p.customer_id = $2)
         order by r.id
        """;

    /// <summary>Locks the payment for a state change: $1 id.</summary>
    public const string Lock = """
        select status, amount, currency, refunded_amount, subscription_id, period_start, period_end, customer_id, provider, plan_id, duration
          from payments where id = $1
           for update
        """;

    /// <summary>$1 id, $2 payment, $3 amount, $4 reason, $5 actor, $6 ended the period, $7 now.</summary>
    public const string InsertRefund = """
        insert into refunds (id, payment_id, amount, reason, actor_id, ended_period, created_at) values ($1, $2, $3, $4, $5, $6, $7)
        """;

    /// <summary>$1 payment, $2 new refunded total, $3 new status.</summary>
    public const string SetRefunded = "update payments set refunded_amount = $2, status = $3 where id = $1";

    /// <summary>Locks the subscription a full refund shortens: $1 id.</summary>
    public const string LockSubscription = "select expires_at from subscriptions where id = $1 for update";

    public const string SetExpiry = "update subscriptions set expires_at = $2, version = version + 1 where id = $1";
}
