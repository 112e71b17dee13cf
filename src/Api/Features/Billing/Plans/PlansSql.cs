namespace Vpn.Perf.Api.Features.Billing.Plans;

internal static class PlansSql
{
    private const string Columns = """
        p.id, p.name, p.description, p.price, p.currency, p.duration, p.max_traffic, p.max_speed, p.traffic_reset_period,
        p.device_limit, p.is_active, p.version, p.created_at, p.updated_at,
        array(select inbound_id from plan_inbounds where plan_id = p.id order by inbound_id),
        array(select node_id from plan_nodes where plan_id = p.id order by node_id)
        """;

    /// <summary>$1 include retired plans, $2 cursor (exclusive), $3 limit + 1.</summary>
    public const string List = "select " + Columns + """
         from plans p
        where ($1 or p.is_active) and ($2::uuid is null or p.id < $2)
        order by p.id desc
        limit $3
        """;

    public const string Get = "select " + Columns + " from plans p where p.id = $1";

    public const string Insert = """
        insert into plans (id, name, description, price, currency, duration, max_traffic, max_speed, traffic_reset_period,
                           device_limit, is_active, created_at, updated_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
        """;

    /// <summary>$13 expected version (null = any).</summary>
    public const string Update = """
        update plans set name = $2, description = $3, price = $4, currency = $5, duration = $6, max_traffic = $7, max_speed = $8,
                         traffic_reset_period = $9, device_limit = $10, is_active = $11, updated_at = $12, version = version + 1
         where id = $1 and ($13::bigint is null or version = $13)
        """;

    public const string Retire = "update plans set is_active = false, updated_at = $2, version = version + 1 where id = $1";

    public const string Version = "select version from plans where id = $1";

    /// <summary>The grants are replaced by these four statements, sent as one batch: $1 plan, then $2 the inbound or node ids.</summary>
    public const string DeleteInbounds = "delete from plan_inbounds where plan_id = $1";

    public const string DeleteNodes = "delete from plan_nodes where plan_id = $1";

    public const string InsertInbounds = "insert into plan_inbounds (plan_id, inbound_id) select $1, unnest($2::uuid[])";

    public const string InsertNodes = "insert into plan_nodes (plan_id, node_id) select $1, unnest($2::uuid[])";
}
