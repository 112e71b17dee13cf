namespace Vpn.Perf.Api.Features.Groups;

internal static class GroupsSql
{
    private const string Columns = """
        g.id, g.name, g.max_traffic, g.max_speed, g.traffic_reset_period, g.created_at,
        (select count(*) from user_groups ug where ug.group_id = g.id)::int
        """;

    public const string Insert = """
        insert into groups (id, name, max_traffic, max_speed, traffic_reset_period) values ($1, $2, $3, $4, $5)
        """;

    public const string Get = "select " + Columns + " from groups g where g.id = $1";

    /// <summary>$1 name prefix pattern, $2 cursor (exclusive), $3 limit + 1.</summary>
    public const string List = "select " + Columns + """
         from groups g
        where ($1::text is null or g.name like $1)
          and ($2::uuid is null or g.id < $2)
        order by g.id desc
        limit $3
        """;

    public const string Update = """
        update groups set name = $2, max_traffic = $3, max_speed = $4, traffic_reset_period = $5 where id = $1
        """;

    public const string Delete = "delete from groups where id = $1";
}
