using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Billing.Lifecycle;

/// <summary>The statements of the billing status endpoints and of the expiry job.</summary>
internal static class LifecycleStore
{
    private const string ColumnsSql = """
        b.subscription_id, b.customer_id, b.plan_id, pl.name, s.expires_at, s.is_suspended, b.auto_renew, b.device_limit, b.last_payment_id,
               s.link_token
          from subscription_billing b
          join subscriptions s on s.id = b.subscription_id
          join plans pl on pl.id = b.plan_id
        """;

    /// <summary>$1 customer (the caller's own id for a customer), $2 cursor (exclusive), $3 limit + 1.</summary>
    private const string ListSql = "select " + ColumnsSql + """
         where ($1::uuid is null or b.customer_id = $1) and ($2::uuid is null or b.subscription_id < $2)
         order by b.subscription_id desc
         limit $3
        """;

    /// <summary>$1 subscription, $2 the caller's own id when a customer.</summary>
    private const string GetSql = "select " + ColumnsSql + " where b.subscription_id = $1 and ($2::uuid is null or b.customer_id = $2)";

    /// <summary>$1 subscription, $2 the caller's own id when a customer, $3 auto-renew, $4 now.</summary>
    private const string SetAutoRenewSql = """
        update subscription_billing set auto_renew = $3, updated_at = $4
         where subscription_id = $1 and ($2::uuid is null or customer_id = $2)
        """;

    /// <summary>
    /// One pass of the expiry job: $1 now, $2 batch size. Records <c>subscription.expired</c> once per expiry instant
    /// (a renewal moves expires_at, so a later lapse is recorded again). SKIP LOCKED lets several Api instances run
    /// the job without recording an expiry twice or waiting on each other.
    /// </summary>
    private const string NoteExpiredSql = """
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

    /// <summary>Up to <paramref name="take"/> + 1 statuses, newest first; <paramref name="customer"/> null for all. <paramref name="linkPrefix"/>: what each config URL's token is appended to.</summary>
    public static async Task<List<BillingStatusDto>> ListAsync(NpgsqlDataSource db, Guid? customer, Guid? after, int take, DateTimeOffset now,
        string linkPrefix, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(ListSql);
        cmd.Arg(customer, NpgsqlDbType.Uuid).Arg(after, NpgsqlDbType.Uuid).Arg(take + 1, NpgsqlDbType.Integer);
        return await ReadAllAsync(cmd, now, linkPrefix, ct);
    }

    /// <summary><paramref name="scope"/>: the caller's own id when a customer (someone else's subscription reads as absent).</summary>
    public static async Task<BillingStatusDto?> GetAsync(NpgsqlDataSource db, Guid id, Guid? scope, DateTimeOffset now, string linkPrefix, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(GetSql);
        cmd.Arg(id, NpgsqlDbType.Uuid).Arg(scope, NpgsqlDbType.Uuid);
        List<BillingStatusDto> rows = await ReadAllAsync(cmd, now, linkPrefix, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>False when there is no such billed subscription (or, for a customer, it is someone else's).</summary>
    public static async Task<bool> SetAutoRenewAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid? scope, bool on, DateTimeOffset now,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(SetAutoRenewSql, conn, tx);
        cmd.Arg(id, NpgsqlDbType.Uuid).Arg(scope, NpgsqlDbType.Uuid).Arg(on, NpgsqlDbType.Boolean).Arg(now);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>One batch of the expiry job; returns how many expiries it recorded.</summary>
    public static async Task<int> NoteExpiredAsync(NpgsqlDataSource db, DateTimeOffset now, int batchSize, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(NoteExpiredSql);
        cmd.Arg(now).Arg(batchSize, NpgsqlDbType.Integer);
        int noted = 0;
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) noted++;
        return noted;
    }

    private static async Task<List<BillingStatusDto>> ReadAllAsync(NpgsqlCommand cmd, DateTimeOffset now, string linkPrefix, CancellationToken ct)
    {
        var rows = new List<BillingStatusDto>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            DateTimeOffset? expires = r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4);
            rows.Add(new BillingStatusDto(r.GetGuid(0), linkPrefix + r.GetString(9), r.GetGuid(1), r.GetGuid(2), r.GetString(3), expires, expires <= now, r.GetBoolean(5),
                r.GetBoolean(6), r.IsDBNull(7) ? null : r.GetInt32(7), r.IsDBNull(8) ? null : r.GetGuid(8)));
        }
        return rows;
    }
}
