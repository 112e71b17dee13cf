using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Billing.Plans;

/// <summary>Every statement on plans and their grants, run on the caller's connection and transaction.</summary>
internal static class PlansStore
{
    private const string ColumnsSql = """
        p.id, p.name, p.description, p.price, p.currency, p.duration, p.max_traffic, p.max_speed, p.traffic_reset_period,
        p.device_limit, p.is_active, p.version, p.created_at, p.updated_at,
        array(select inbound_id from plan_inbounds where plan_id = p.id order by inbound_id),
        array(select node_id from plan_nodes where plan_id = p.id order by node_id)
        """;

    /// <summary>$1 include retired plans, $2 cursor (exclusive), $3 limit + 1.</summary>
    private const string ListSql = "select " + ColumnsSql + """
         from plans p
        where ($1 or p.is_active) and ($2::uuid is null or p.id < $2)
        order by p.id desc
        limit $3
        """;

    private const string GetSql = "select " + ColumnsSql + " from plans p where p.id = $1";

    private const string InsertSql = """
        insert into plans (id, name, description, price, currency, duration, max_traffic, max_speed, traffic_reset_period,
                           device_limit, is_active, created_at, updated_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
        """;

    /// <summary>$13 expected version (null = any).</summary>
    private const string UpdateSql = """
        update plans set name = $2, description = $3, price = $4, currency = $5, duration = $6, max_traffic = $7, max_speed = $8,
                         traffic_reset_period = $9, device_limit = $10, is_active = $11, updated_at = $12, version = version + 1
         where id = $1 and ($13::bigint is null or version = $13)
        """;

    private const string RetireSql = "update plans set is_active = false, updated_at = $2, version = version + 1 where id = $1";

    private const string VersionSql = "select version from plans where id = $1";

    /// <summary>The grants are replaced by these four statements, sent as one batch: $1 plan, then $2 the inbound or node ids.</summary>
    private const string DeleteInboundsSql = "delete from plan_inbounds where plan_id = $1";

    private const string DeleteNodesSql = "delete from plan_nodes where plan_id = $1";

    private const string InsertInboundsSql = "insert into plan_inbounds (plan_id, inbound_id) select $1, unnest($2::uuid[])";

    private const string InsertNodesSql = "insert into plan_nodes (plan_id, node_id) select $1, unnest($2::uuid[])";

    /// <summary>Up to <paramref name="take"/> + 1 plans, newest first; retired ones when <paramref name="all"/>. <paramref name="staff"/> decides whether the grants are shown.</summary>
    public static async Task<List<PlanDto>> ListAsync(NpgsqlDataSource db, bool all, Guid? after, int take, bool staff, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(ListSql);
        cmd.Arg(all, NpgsqlDbType.Boolean).Arg(after, NpgsqlDbType.Uuid).Arg(take + 1, NpgsqlDbType.Integer);
        return await ReadAllAsync(cmd, staff, ct);
    }

    /// <summary>Reads one plan (any state); <paramref name="staff"/> decides whether the grants are shown.</summary>
    public static async Task<PlanDto?> GetAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, bool staff, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(GetSql, conn, tx);
        cmd.Arg(id, NpgsqlDbType.Uuid);
        List<PlanDto> rows = await ReadAllAsync(cmd, staff, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary><paramref name="price"/> is the request's price normalised to the currency's minor units.</summary>
    public static async Task InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, PlanRequest request, decimal price, DateTimeOffset now,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        await Fields(cmd.Arg(id, NpgsqlDbType.Uuid), request, price).Arg(request.IsActive ?? true, NpgsqlDbType.Boolean)
            .Arg(now).ExecuteNonQueryAsync(ct);
    }

    /// <summary>Replaces the fields when the version is <paramref name="request"/>'s (null = any); false when no row changed.</summary>
    public static async Task<bool> UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, PlanRequest request, decimal price, DateTimeOffset now,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(UpdateSql, conn, tx);
        return await Fields(cmd.Arg(id, NpgsqlDbType.Uuid), request, price).Arg(request.IsActive ?? true, NpgsqlDbType.Boolean)
            .Arg(now).Arg(request.Version, NpgsqlDbType.Bigint).ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>False when there is no such plan.</summary>
    public static async Task<bool> RetireAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(RetireSql, conn, tx);
        return await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(now).ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>The current version, null when there is no such plan.</summary>
    public static async Task<long?> VersionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(VersionSql, conn, tx);
        return await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct) as long?;
    }

    /// <summary>Replaces the plan's grants in one round trip; an unknown inbound or node throws the foreign-key violation.</summary>
    public static async Task ReplaceGrantsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid[] inbounds, Guid[] nodes, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(conn, tx);
        batch.BatchCommands.Add(Command(DeleteInboundsSql, id, null));
        batch.BatchCommands.Add(Command(DeleteNodesSql, id, null));
        batch.BatchCommands.Add(Command(InsertInboundsSql, id, inbounds));
        batch.BatchCommands.Add(Command(InsertNodesSql, id, nodes));
        await batch.ExecuteNonQueryAsync(ct);

        static NpgsqlBatchCommand Command(string sql, Guid plan, Guid[]? ids)
        {
            var c = new NpgsqlBatchCommand(sql);
            c.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = plan, NpgsqlDbType = NpgsqlDbType.Uuid });
            if (ids is not null) c.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            return c;
        }
    }

    /// <summary>Binds $2-$10: the fields shared by insert and update.</summary>
    private static NpgsqlCommand Fields(NpgsqlCommand cmd, PlanRequest r, decimal price) => cmd
        .Arg(r.Name!.Trim(), NpgsqlDbType.Text).Arg(r.Description ?? "", NpgsqlDbType.Text)
        .Arg(price, NpgsqlDbType.Numeric).Arg(r.Currency!, NpgsqlDbType.Text).Arg(r.Duration!, NpgsqlDbType.Text)
        .Arg(r.MaxTraffic, NpgsqlDbType.Bigint).Arg(r.MaxSpeed, NpgsqlDbType.Bigint).Arg(r.TrafficResetPeriod, NpgsqlDbType.Text)
        .Arg(r.DeviceLimit, NpgsqlDbType.Integer);

    private static async Task<List<PlanDto>> ReadAllAsync(NpgsqlCommand cmd, bool staff, CancellationToken ct)
    {
        var rows = new List<PlanDto>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            string currency = r.GetString(4);
            rows.Add(new PlanDto(
                r.GetGuid(0), r.GetString(1), r.GetString(2), Currencies.Normalize(r.GetDecimal(3), currency), currency, r.GetString(5),
                r.IsDBNull(6) ? null : r.GetInt64(6), r.IsDBNull(7) ? null : r.GetInt64(7), r.IsDBNull(8) ? null : r.GetString(8),
                r.IsDBNull(9) ? null : r.GetInt32(9), r.GetBoolean(10), r.GetInt64(11),
                r.GetFieldValue<DateTimeOffset>(12), r.GetFieldValue<DateTimeOffset>(13),
                staff ? r.GetFieldValue<Guid[]>(14) : null, staff ? r.GetFieldValue<Guid[]>(15) : null));
        }
        return rows;
    }
}
