using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>The statements of the outbox dispatcher, the reconciler, the over-limit evaluation and the rejection notices.</summary>
internal static class StateSyncStore
{
    /// <summary>
    /// The columns every state read returns, in this order: id, present, max_traffic, expires_at, is_suspended,
    /// traffic_reset_period, anchor, is_over_limit, linked inbound ids, their node ids (see
    /// <see cref="SubscriptionStateRow.Read"/>). The anchor defaults to the subscription's start (DESIGN.md).
    /// <c>subscription_limits</c> is joined per row (its lateral join is cheap for a page, not for the table).
    /// </summary>
    private const string StateColumnsSql =
        $"s.id is not null, l.max_traffic, s.expires_at, s.is_suspended, l.traffic_reset_period, coalesce(s.reset_anchor, s.created_at), s.is_over_limit, {LinkColumnsSql}";

    /// <summary>
    /// The subscription's links as two arrays of the same order (inbound ids, their nodes' ids): the scope Ingest checks
    /// reports against. Empty arrays when it has none. An index lookup per subscription (the links' primary key).
    /// </summary>
    private const string LinkColumnsSql = """
        array(select si.inbound_id from subscription_inbounds si join inbounds i on i.id = si.inbound_id where si.subscription_id = s.id order by si.inbound_id),
        array(select i.node_id from subscription_inbounds si join inbounds i on i.id = si.inbound_id where si.subscription_id = s.id order by si.inbound_id)
        """;

    /// <summary>
    /// Claims up to $1 outbox rows other dispatchers have not locked (SKIP LOCKED: several Api instances share the
    /// work) and reads each one's current state; a subscription that no longer exists comes back with present = false.
    /// No ORDER BY: the table has no index on enqueued_at, and every row is drained anyway. The lateral join keeps
    /// the state read an index lookup per claimed row whatever the size of subscriptions (a plain join may hash it).
    /// </summary>
    private const string ClaimBatchSql = """
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
    private const string DeletePublishedSql = """
        delete from state_outbox o
        using unnest($1::uuid[], $2::timestamptz[]) as p(id, at)
        where o.subscription_id = p.id and o.enqueued_at = p.at
        """;

    /// <summary>One keyset page of subscriptions after $1 (ordered by id), at most $2, with their state.</summary>
    private const string ReconcilePageSql = $"""
        select s.id, {StateColumnsSql}
        from subscriptions s
        left join lateral (select * from subscription_limits sl where sl.subscription_id = s.id) l on true
        where s.id > $1
        order by s.id
        limit $2
        """;

    /// <summary>Queues subscriptions for the dispatcher through the outbox's own function (which also notifies).</summary>
    private const string EnqueueSql = "select state_outbox_enqueue($1::uuid[])";

    /// <summary>
    /// Locks one subscription (so evaluations of the same subscription by the consumer, the dispatcher and the
    /// reconciler run one at a time) and reads its state after the lock was granted.
    /// </summary>
    private const string LockForEvaluationSql = "select 1 from subscriptions where id = $1 for update";

    private const string ReadOneSql = $"""
        select s.id, {StateColumnsSql}
        from subscriptions s
        left join lateral (select * from subscription_limits sl where sl.subscription_id = s.id) l on true
        where s.id = $1
        """;

    /// <summary>
    /// Sets or clears the flag only when it differs, so a repeated event changes nothing. The version moves because
    /// the subscription's representation (and its rendered config) changed.
    /// </summary>
    private const string SetOverLimitSql = "update subscriptions set is_over_limit = $2, version = version + 1 where id = $1 and is_over_limit <> $2";

    /// <summary>Session advisory lock key of the reconciler: one instance per database runs a pass at a time.</summary>
    public const long ReconcilerLockKey = 0x5653_5943_5245_434EL; // "VSYCRECN"

    private const string TryLockReconcilerSql = "select pg_try_advisory_lock($1)";

    private const string UnlockReconcilerSql = "select pg_advisory_unlock($1)";

    /// <summary>A rejection notice's audit entry, unless the node's hour ($4) already has one.</summary>
    private const string InsertRejectionOnceSql = """
        insert into audit_log (actor_id, action, target, meta)
        select null, $1, $2, $3::jsonb
        where not exists (select 1 from audit_log where action = $1 and target = $2 and meta->>'hour' = $4)
        """;

    /// <summary>Claims up to <paramref name="batchSize"/> outbox rows (locked until <paramref name="tx"/> ends) with each one's state and enqueue time.</summary>
    public static async Task<(List<SubscriptionStateRow> Rows, List<DateTime> EnqueuedAt)> ClaimBatchAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        int batchSize, CancellationToken ct)
    {
        var rows = new List<SubscriptionStateRow>();
        var enqueuedAt = new List<DateTime>();
        await using var claim = new NpgsqlCommand(ClaimBatchSql, conn, tx) { Parameters = { new() { Value = batchSize } } };
        await using NpgsqlDataReader reader = await claim.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            Guid id = reader.GetGuid(0);
            enqueuedAt.Add(reader.GetDateTime(1));
            rows.Add(SubscriptionStateRow.Read(reader, id, 2));
        }
        return (rows, enqueuedAt);
    }

    /// <summary>Deletes the published outbox rows still at the enqueue time read.</summary>
    public static async Task DeletePublishedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] ids, DateTime[] enqueuedAt, CancellationToken ct)
    {
        await using var delete = new NpgsqlCommand(DeletePublishedSql, conn, tx);
        delete.Parameters.Add(new NpgsqlParameter<Guid[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, TypedValue = ids });
        delete.Parameters.Add(new NpgsqlParameter<DateTime[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, TypedValue = enqueuedAt });
        await delete.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Up to <paramref name="limit"/> subscriptions after <paramref name="after"/>, by id, with their state.</summary>
    public static async Task<List<SubscriptionStateRow>> ReconcilePageAsync(NpgsqlDataSource db, Guid after, int limit, CancellationToken ct)
    {
        var page = new List<SubscriptionStateRow>(limit);
        await using NpgsqlCommand cmd = db.CreateCommand(ReconcilePageSql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = after });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) page.Add(SubscriptionStateRow.Read(reader, reader.GetGuid(0), 1));
        return page;
    }

    public static async Task EnqueueAsync(NpgsqlDataSource db, Guid[] ids, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(EnqueueSql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid, TypedValue = ids });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Locks the subscription and reads its state after the lock was granted; null when it no longer exists.</summary>
    public static async Task<SubscriptionStateRow?> LockAndReadAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using (var lockCmd = new NpgsqlCommand(LockForEvaluationSql, conn, tx) { Parameters = { new() { Value = id } } })
        {
            if (await lockCmd.ExecuteScalarAsync(ct) is null) return null;
        }
        await using var read = new NpgsqlCommand(ReadOneSql, conn, tx) { Parameters = { new() { Value = id } } };
        await using NpgsqlDataReader reader = await read.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? SubscriptionStateRow.Read(reader, id, 1) : null;
    }

    /// <summary>False when the flag already had that value.</summary>
    public static async Task<bool> SetOverLimitAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, bool over, CancellationToken ct)
    {
        await using var update = new NpgsqlCommand(SetOverLimitSql, conn, tx) { Parameters = { new() { Value = id }, new() { Value = over } } };
        return await update.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>Takes the reconciler's session lock on <paramref name="conn"/>; false when another instance holds it.</summary>
    public static Task<bool> TryLockReconcilerAsync(NpgsqlConnection conn, CancellationToken ct) => AdvisoryAsync(conn, TryLockReconcilerSql, ct);

    public static Task<bool> UnlockReconcilerAsync(NpgsqlConnection conn, CancellationToken ct) => AdvisoryAsync(conn, UnlockReconcilerSql, ct);

    /// <summary>Adds the rejection notice's audit entry unless the node's hour (<paramref name="hourText"/>) already has one.</summary>
    public static async Task AddRejectionOnceAsync(NpgsqlDataSource db, string action, string target, string meta, string hourText, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(InsertRejectionOnceSql);
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = action });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = target });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = meta });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = hourText });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<bool> AdvisoryAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn) { Parameters = { new NpgsqlParameter<long> { TypedValue = ReconcilerLockKey } } };
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
