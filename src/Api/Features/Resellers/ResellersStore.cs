using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Resellers;

/// <summary>
/// Reseller quotas and consumption, on the caller's connection and transaction. Consumption is always counted from
/// the rows themselves (<c>created_by</c>), never kept as a counter that could drift.
/// </summary>
internal static class ResellersStore
{
    /// <summary>$1 reseller, $2 the caller's own id when a reseller (another reseller's quota reads as absent).</summary>
    private const string GetSql = """
        select coalesce(q.max_subscriptions, 0), coalesce(q.max_total_traffic, 0), coalesce(q.allowed_plans, '{}'), coalesce(q.allowed_inbounds, '{}'),
               coalesce(q.version, 0), q.updated_at,
               (select count(*)::int from subscriptions s where s.created_by = u.id),
               (select coalesce(sum(s.max_traffic), 0)::bigint from subscriptions s where s.created_by = u.id),
               (select count(*)::int from users c where c.created_by = u.id)
          from users u left join reseller_quotas q on q.reseller_id = u.id
         where u.id = $1 and u.role = 'reseller' and ($2::uuid is null or u.id = $2)
        """;

    /// <summary>Holds the user's role for the transaction, so it cannot stop being a reseller while its quota is set.</summary>
    private const string LockResellerSql = "select 1 from users where id = $1 and role = 'reseller' for share";

    private const string UpsertSql = """
        insert into reseller_quotas (reseller_id, max_subscriptions, max_total_traffic, allowed_plans, allowed_inbounds, updated_at, updated_by)
        values ($1, $2, $3, $4, $5, $6, $7)
        on conflict (reseller_id) do update
           set max_subscriptions = excluded.max_subscriptions, max_total_traffic = excluded.max_total_traffic,
               allowed_plans = excluded.allowed_plans, allowed_inbounds = excluded.allowed_inbounds,
               version = reseller_quotas.version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
        """;

    /// <summary>
    /// The lock that makes quota checks race-free: every creating or changing transaction of one reseller takes it
    /// before counting, so they run one after another. A reseller without a row has a quota of nothing, and
    /// nothing to race for.
    /// </summary>
    private const string LockQuotaSql = """
        select max_subscriptions, max_total_traffic, allowed_plans, allowed_inbounds from reseller_quotas where reseller_id = $1 for update
        """;

    /// <summary>
    /// A statement of its own after the lock: under read committed it takes a fresh snapshot, so it sees what the
    /// transactions that held the lock before committed. $2: a subscription to leave out (the one being changed),
    /// whose own limit comes third.
    /// </summary>
    private const string ConsumptionSql = """
        select count(*) filter (where $2::uuid is null or id <> $2)::int,
               coalesce(sum(max_traffic) filter (where $2::uuid is null or id <> $2), 0)::bigint,
               coalesce(sum(max_traffic) filter (where id = $2), 0)::bigint
          from subscriptions where created_by = $1
        """;

    private const string MissingPlansSql = "select x from unnest($1::uuid[]) x where not exists (select 1 from plans p where p.id = x) order by x limit 10";

    private const string MissingInboundsSql = "select x from unnest($1::uuid[]) x where not exists (select 1 from inbounds i where i.id = x) order by x limit 10";

    /// <summary>The reseller's quota and consumption; null when <paramref name="id"/> is no reseller (or, for a reseller caller, not itself).</summary>
    public static async Task<ResellerQuotaResponse?> GetAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, Guid? self, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(GetSql, conn, tx);
        await using NpgsqlDataReader r = await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(self, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new ResellerQuotaResponse(id, r.GetInt32(0), r.GetInt64(1), r.GetFieldValue<Guid[]>(2), r.GetFieldValue<Guid[]>(3), r.GetInt64(4),
            r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5), new ResellerConsumption(r.GetInt32(6), r.GetInt64(7), r.GetInt32(8)));
    }

    /// <summary>False when <paramref name="id"/> is no reseller.</summary>
    public static async Task<bool> LockResellerAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(LockResellerSql, conn, tx);
        return await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct) is not null;
    }

    public static async Task UpsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, ResellerQuotaRequest request, DateTimeOffset now, Guid actor,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(UpsertSql, conn, tx);
        await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(request.MaxSubscriptions!.Value, NpgsqlDbType.Integer).Arg(request.MaxTotalTraffic!.Value, NpgsqlDbType.Bigint)
            .Arg(request.AllowedPlans!, NpgsqlDbType.Array | NpgsqlDbType.Uuid).Arg(request.AllowedInbounds!, NpgsqlDbType.Array | NpgsqlDbType.Uuid)
            .Arg(now).Arg(actor, NpgsqlDbType.Uuid).ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Locks the reseller's quota row for the transaction, then counts its subscriptions (leaving out
    /// <paramref name="except"/>); a reseller without a quota row gets all zeros.
    /// </summary>
    public static async Task<ResellerQuota> LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid reseller, Guid? except, CancellationToken ct)
    {
        int maxSubscriptions = 0;
        long maxTraffic = 0;
        Guid[] plans = [], inbounds = [];
        await using (var lockCmd = new NpgsqlCommand(LockQuotaSql, conn, tx))
        {
            await using NpgsqlDataReader r = await lockCmd.Arg(reseller, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
            {
                (maxSubscriptions, maxTraffic, plans, inbounds) = (r.GetInt32(0), r.GetInt64(1), r.GetFieldValue<Guid[]>(2), r.GetFieldValue<Guid[]>(3));
            }
        }
        await using var count = new NpgsqlCommand(ConsumptionSql, conn, tx);
        await using NpgsqlDataReader c = await count.Arg(reseller, NpgsqlDbType.Uuid).Arg(except, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
        await c.ReadAsync(ct);
        return new ResellerQuota(maxSubscriptions, maxTraffic, plans, inbounds, c.GetInt32(0), c.GetInt64(1), c.GetInt64(2));
    }

    /// <summary>Up to ten of <paramref name="ids"/> that no plan has.</summary>
    public static Task<List<Guid>> MissingPlansAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] ids, CancellationToken ct)
        => MissingAsync(conn, tx, MissingPlansSql, ids, ct);

    /// <summary>Up to ten of <paramref name="ids"/> that no inbound has.</summary>
    public static Task<List<Guid>> MissingInboundsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] ids, CancellationToken ct)
        => MissingAsync(conn, tx, MissingInboundsSql, ids, ct);

    private static async Task<List<Guid>> MissingAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, Guid[] ids, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        var missing = new List<Guid>();
        await using NpgsqlDataReader r = await cmd.Arg(ids, NpgsqlDbType.Array | NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) missing.Add(r.GetGuid(0));
        return missing;
    }
}
