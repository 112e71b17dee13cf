namespace Vpn.Perf.Api.Features.Audit;

internal static class AuditLogSql
{
    // Each filter is optional. Npgsql sends unprepared statements, so Postgres plans every execution with the actual
    // values: the "$n is null or" arms fold away and the (actor_id | action | target, id desc) indexes of 0006, or the
    // primary key walked backwards, serve the remaining predicate.
    public const string List = """
        select id, at, actor_id, action, target, meta::text from audit_log
        where ($1::uuid is null or actor_id = $1)
          and ($2::text is null or action = $2)
          and ($3::text is null or target = $3)
          and ($4::timestamptz is null or at >= $4)
          and ($5::timestamptz is null or at < $5)
          and ($6::bigint is null or id < $6)
        order by id desc
        limit $7
        """;
}
