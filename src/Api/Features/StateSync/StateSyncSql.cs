namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>SQL of the outbox dispatcher, the reconciler and the over-limit evaluation.</summary>
internal static class StateSyncSql
{
    /// <summary>
    /// The columns every state read returns, in this order: id, present, max_traffic, expires_at, is_suspended,
    /// traffic_reset_period, anchor, is_over_limit, linked inbound ids, their node ids (see
    /// <see cref="SubscriptionStateRow.Read"/>). The anchor defaults to the subscription's start (DESIGN.md).
    /// <c>subscription_limits</c> is joined per row (its lateral join is cheap for a page, not for the table).
    /// </summary>
    private const string StateColumns =
        $"s.id is not null, l.max_traffic, s.expires_at, s.is_suspended, l.traffic_reset_period, coalesce(s.reset_anchor, s.created_at), s.is_over_limit, {LinkColumns}";

    /// <summary>
    /// The subscription's links as two arrays of the same order (inbound ids, their nodes' ids): the scope Ingest checks
    /// reports against. Empty arrays when it has none. An index lookup per subscription (the links' primary key).
    /// </summary>
    private const string LinkColumns = """
        array(select si.inbound_id from subscription_inbounds si join inbounds i on i.id = si.inbound_id where si.subscription_id = s.id order by si.inbound_id),
        array(select i.node_id from subscription_inbounds si join inbounds i on i.id = si.inbound_id where si.subscription_id = s.id order by si.inbound_id)
        """;

    /// <summary>
    /// Claims up to $1 outbox rows other dispatchers have not locked (SKIP LOCKED: several Api instances share the
    /// work) and reads each one's current state; a subscription that no longer exists comes back with present = false.
    /// No ORDER BY: the table has no index on enqueued_at, and every row is drained anyway. The lateral join keeps
    /// the state read an index lookup per claimed row whatever the size of subscriptions (a plain join may hash it).
    /// </summary>
    public const string ClaimBatch = """
        select o.subscription_id, o.enqueued_at, x.present is not null, x.max_traffic, x.expires_at, x.is_suspended,
               x.traffic_reset_period, x.anchor, x.is_over_limit, x.inbounds, x.nodes
        from (select subscription_id, enqueued_at from state_outbox limit $1 for update skip locked) o
        left join lateral (
            select true as present, l.max_traffic, s.expires_at, s.is_suspended, l.traffic_reset_period,
                   coalesce(s.reset_anchor, s.created_at) as anchor, s.is_over_limit,
                   array(select si.inbound_id from subscription_inbounds si join inbounds i on i.id = si.inbound_id
                         where si.subscription_id = s.id order by si.inbound_id) as inbounds,
                   array(select i.node_id from subscription_inbounds si join inbounds i on i.id = si.inbound_id
                         where si.subscription_id = s.id order by si.inbound_id) as nodes
            from subscriptions s
            left join lateral (select * from subscription_limits sl where sl.subscription_id = s.id) l on true
            where s.id = o.subscription_id) x on true
        """;

    /// <summary>
    /// Deletes the published rows whose enqueued_at is still the value read: a row re-enqueued meanwhile (a change that
    /// raced the publish) keeps its newer timestamp and is published again.
    /// </summary>
    public const string DeletePublished = """
        delete from state_outbox o
        using unnest($1::uuid[], $2::timestamptz[]) as p(id, at)
        where o.subscription_id = p.id and o.enqueued_at = p.at
        """;

    /// <summary>One keyset page of subscriptions after $1 (ordered by id), at most $2, with their state.</summary>
    public const string ReconcilePage = $"""
        select s.id, {StateColumns}
        from subscriptions s
        left join lateral (select * from subscription_limits sl where sl.subscription_id = s.id) l on true
        where s.id > $1
        order by s.id
        limit $2
        """;

    /// <summary>Queues subscriptions for the dispatcher through the outbox's own function (which also notifies).</summary>
    public const string Enqueue = "select state_outbox_enqueue($1::uuid[])";

    /// <summary>
    /// Locks one subscription (so evaluations of the same subscription by the consumer, the dispatcher and the
    /// reconciler run one at a time) and reads its state after the lock was granted.
    /// </summary>
    public const string LockForEvaluation = "select 1 from subscriptions where id = $1 for update";

    public const string ReadOne = $"""
        select s.id, {StateColumns}
        from subscriptions s
        left join lateral (select * from subscription_limits sl where sl.subscription_id = s.id) l on true
        where s.id = $1
        """;

    /// <summary>
    /// Sets or clears the flag only when it differs, so a repeated event changes nothing. The version moves because
    /// the subscription's representation (and its rendered config) changed.
    /// </summary>
    public const string SetOverLimit = "update subscriptions set is_over_limit = $2, version = version + 1 where id = $1 and is_over_limit <> $2";

    /// <summary>Session advisory lock key of the reconciler: one instance per database runs a pass at a time.</summary>
    public const long ReconcilerLockKey = 0x5653_5943_5245_434EL; // "VSYCRECN"

    public const string TryLockReconciler = "select pg_try_advisory_lock($1)";

    public const string UnlockReconciler = "select pg_advisory_unlock($1)";
}
