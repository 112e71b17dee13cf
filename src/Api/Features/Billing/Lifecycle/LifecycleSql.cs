namespace Vpn.Perf.Api.Features.Billing.Lifecycle;

internal static class LifecycleSql
{
    private const string Columns = """
        b.subscription_id, b.customer_id, b.plan_id, pl.name, s.expires_at, s.is_suspended, b.auto_renew, b.device_limit, b.last_payment_id,
               s.link_token
          from subscription_billing b
          join subscriptions s on s.id = b.subscription_id
          join plans pl on pl.id = b.plan_id
        """;

    /// <summary>$1 customer (the caller's own id for a customer), $2 cursor (exclusive), $3 limit + 1.</summary>
    public const string List = "select " + Columns + """
         where ($1::uuid is null or b.customer_id = $1) and ($2::uuid is null or b.subscription_id < $2)
         order by b.subscription_id desc
         limit $3
        """;

    /// <summary>$1 subscription, $2 the caller's own id when a customer.</summary>
    public const string Get = "select " + Columns + " where b.subscription_id = $1 and ($2::uuid is null or b.customer_id = $2)";

    /// <summary>$1 subscription, $2 the caller's own id when a customer, $3 auto-renew, $4 now.</summary>
    public const string SetAutoRenew = """
        update subscription_billing set auto_renew = $3, updated_at = $4
         where subscription_id = $1 and ($2::uuid is null or customer_id = $2)
        """;

    /// <summary>
    /// One pass of the expiry job: $1 now, $2 batch size. Records <c>subscription.expired</c> once per expiry instant
    /// (a renewal moves expires_at, so a later lapse is recorded again). SKIP LOCKED lets several Api instances run
    /// the job without recording an expiry twice or waiting on each other.
    /// </summary>
    public const string NoteExpired = """
        with due as (
            select b.subscription_id, s.expires_at
              from subscription_billing b
              join subscriptions s on s.id = b.subscription_id
             where s.expires_at <= $1 and b.expiry_noted_for is distinct from s.expires_at
             order by s.expires_at
             limit $2
               for update of b skip locked),
        noted as (
            update subscription_billing b set expiry_noted_for = d.expires_at
              from due d
             where b.subscription_id = d.subscription_id
            returning b.subscription_id, b.customer_id, b.plan_id, d.expires_at)
        insert into audit_log (actor_id, action, target, meta)
        select null, 'subscription.expired', 'subscription:' || subscription_id::text,
               jsonb_build_object('customer', customer_id, 'plan', plan_id, 'expires_at', expires_at)
          from noted
        returning id
        """;
}
