namespace Vpn.Perf.Api.Features.Billing.Webhooks;

internal static class WebhooksSql
{
    /// <summary>
    /// The idempotency gate: $1 provider, $2 event id, $3 type, $4 received at. A second delivery of the same event
    /// finds the row (or, racing, waits on the first one's uncommitted row and then finds it) and gets no row back.
    /// </summary>
    public const string RecordEvent = """
        insert into payment_events (provider, event_id, type, outcome, received_at) values ($1, $2, $3, 'ignored', $4)
        on conflict (provider, event_id) do nothing
        returning true
        """;

    /// <summary>$1 provider, $2 event id, $3 outcome, $4 payment.</summary>
    public const string SetOutcome = "update payment_events set outcome = $3, payment_id = $4 where provider = $1 and event_id = $2";

    /// <summary>$1 payment, $2 reason, $3 provider payment id, $4 now.</summary>
    public const string Fail = """
        update payments set status = 'failed', failure_reason = $2, provider_payment_id = coalesce($3, provider_payment_id), completed_at = $4
         where id = $1
        """;

    /// <summary>
    /// Serializes the completions of one customer (no key update: sessions and other rows that reference the user can
    /// still be inserted), so two payments for the same plan cannot both create a subscription.
    /// </summary>
    public const string LockCustomer = "select true from users where id = $1 for no key update";

    public const string Plan = "select name, max_traffic, max_speed, traffic_reset_period, device_limit from plans where id = $1";

    /// <summary>The customer's subscription bought from this plan, if any, locked: $1 customer, $2 plan.</summary>
    public const string FindSubscription = """
        select s.id, s.expires_at
          from subscription_billing b
          join subscriptions s on s.id = b.subscription_id
         where b.customer_id = $1 and b.plan_id = $2 and s.owner_id = $1
         order by s.id desc
         limit 1
           for update of s
        """;

    /// <summary>$1 id, $2 owner, $3 plan, $4 title, $5 secret, $6 expires, $7 max traffic, $8 max speed, $9 reset period, $10 now (created, anchor).</summary>
    public const string InsertSubscription = """
        insert into subscriptions (id, owner_id, plan_id, title, secret, expires_at, max_traffic, max_speed, traffic_reset_period, reset_anchor, created_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
        """;

    /// <summary>$1 id, $2 plan, $3 expires, $4 max traffic, $5 max speed, $6 reset period, $7 new anchor (null keeps it).</summary>
    public const string ExtendSubscription = """
        update subscriptions
           set plan_id = $2, expires_at = $3, max_traffic = $4, max_speed = $5, traffic_reset_period = $6,
               reset_anchor = coalesce($7, reset_anchor), version = version + 1
         where id = $1
        """;

    /// <summary>$1 subscription, $2 customer, $3 plan, $4 device limit, $5 payment, $6 now.</summary>
    public const string UpsertBilling = """
        insert into subscription_billing (subscription_id, customer_id, plan_id, device_limit, last_payment_id, updated_at)
        values ($1, $2, $3, $4, $5, $6)
        on conflict (subscription_id) do update
           set plan_id = excluded.plan_id, device_limit = excluded.device_limit, last_payment_id = excluded.last_payment_id,
               updated_at = excluded.updated_at
        """;

    /// <summary>Links what the plan grants (its inbounds and every inbound of its nodes); links already there stay.</summary>
    public const string LinkInbounds = """
        insert into subscription_inbounds (subscription_id, inbound_id)
        select $1, inbound_id from plan_inbounds where plan_id = $2
        union
        select $1, i.id from plan_nodes pn join inbounds i on i.node_id = pn.node_id where pn.plan_id = $2
        on conflict do nothing
        """;

    /// <summary>$1 payment, $2 subscription, $3 period start, $4 period end, $5 provider payment id, $6 now.</summary>
    public const string Succeed = """
        update payments
           set status = 'succeeded', subscription_id = $2, period_start = $3, period_end = $4,
               provider_payment_id = coalesce($5, provider_payment_id), completed_at = $6
         where id = $1
        """;
}
