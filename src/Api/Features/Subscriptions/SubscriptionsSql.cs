namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// Subscription SQL. Lists and bulk operations share one filter whose absent criteria are typed nulls: Npgsql runs
/// these as unnamed statements, which Postgres plans with the actual values, so <c>$1 is null or ...</c> folds away
/// and each present criterion can use its index (schema/postgres/0005_admin_indexes.sql).
/// </summary>
internal static class SubscriptionsSql
{
    /// <summary>
    /// $1 owner, $2 suspended, $3 over limit, $4 expired, $5 expiring before, $6 title ILIKE pattern, $7 now,
    /// $8 the caller's own id when the caller is a customer (null for staff).
    /// </summary>
    private const string Filter = """
        ($1::uuid is null or owner_id = $1)
          and ($2::boolean is null or is_suspended = $2)
          and ($3::boolean is null or is_over_limit = $3)
          and ($4::boolean is not true or expires_at <= $7::timestamptz)
          and ($4::boolean is not false or expires_at is null or expires_at > $7::timestamptz)
          and ($5::timestamptz is null or expires_at < $5)
          and ($6::text is null or title ilike $6)
          and ($8::uuid is null or owner_id = $8)
        """;

    private const string Columns = """
        s.id, s.owner_id, s.title, s.description, s.created_at, s.expires_at, s.max_traffic, s.max_speed,
        s.traffic_reset_period, coalesce(s.reset_anchor, s.created_at), s.is_suspended, s.is_over_limit, s.version,
        l.max_traffic, l.max_speed, l.traffic_reset_period, s.link_token
        """;

    /// <summary>
    /// Filter, then $9 cursor (exclusive), $10 limit + 1. The page is cut first and only its rows meet the
    /// effective-limits view, whose lateral aggregate is per row.
    /// </summary>
    public const string List = """
        with page as (
            select * from subscriptions
             where 
        """ + Filter + """

               and ($9::uuid is null or id < $9)
             order by id desc
             limit $10)
        select 
        """ + Columns + """
         from page s join subscription_limits l on l.subscription_id = s.id
         order by s.id desc
        """;

    /// <summary>$1 id, $2 the caller's own id when a customer (someone else's subscription reads as absent).</summary>
    public const string Get = "select " + Columns + """
         from subscriptions s join subscription_limits l on l.subscription_id = s.id
        where s.id = $1 and ($2::uuid is null or s.owner_id = $2)
        """;

    public const string Insert = """
        insert into subscriptions (id, owner_id, title, description, secret, expires_at, max_traffic, max_speed,
                                   traffic_reset_period, reset_anchor, created_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10, $11), $11)
        returning link_token
        """;

    /// <summary>$10 expected version (null = any).</summary>
    public const string Update = """
        update subscriptions
           set owner_id = coalesce($2, owner_id), title = $3, description = $4, expires_at = $5, max_traffic = $6,
               max_speed = $7, traffic_reset_period = $8, reset_anchor = coalesce($9, created_at), version = version + 1
         where id = $1 and ($10::bigint is null or version = $10)
        """;

    public const string SetSuspended = """
        update subscriptions set is_suspended = $2, version = version + 1
         where id = $1 and ($3::bigint is null or version = $3)
        """;

    /// <summary>Returns what locates the current usage key: the effective reset period and the anchor.</summary>
    public const string ResetUsage = """
        update subscriptions s set is_over_limit = false, version = s.version + 1
         where s.id = $1 and ($2::bigint is null or s.version = $2)
        returning (select l.traffic_reset_period from subscription_limits l where l.subscription_id = s.id),
                  coalesce(s.reset_anchor, s.created_at)
        """;

    public const string Delete = "delete from subscriptions where id = $1 and ($2::bigint is null or version = $2)";

    /// <summary>$2 the caller's own id when a customer (someone else's subscription reads as absent).</summary>
    public const string Version = "select version from subscriptions where id = $1 and ($2::uuid is null or owner_id = $2)";

    /// <summary>
    /// $1 id, $2 expected version (null = any), $3 the caller's own id when a customer. The old token stops matching
    /// with the commit; returns the new token and version.
    /// </summary>
    public const string RotateLink = """
        update subscriptions set link_token = new_link_token(), version = version + 1
         where id = $1 and ($2::bigint is null or version = $2) and ($3::uuid is null or owner_id = $3)
        returning link_token, version
        """;

    /// <summary>Filter, then $9 true to suspend / false to resume.</summary>
    public const string BulkSetSuspended = """
        with changed as (
            update subscriptions set is_suspended = $9, version = version + 1
             where 
        """ + Filter + """

            returning id)
        select count(*)::int from changed
        """;

    /// <summary>Filter, then $9 months and $10 seconds of the ISO 8601 duration (calendar months, like ResetPeriod).</summary>
    public const string BulkExtendBy = """
        with changed as (
            update subscriptions
               set expires_at = greatest(expires_at, $7::timestamptz) + make_interval(months => $9, secs => $10), version = version + 1
             where expires_at is not null and 
        """ + Filter + """

            returning id)
        select count(*)::int from changed
        """;

    /// <summary>Filter, then $9 the new expiry; an expiry already later is kept.</summary>
    public const string BulkExtendTo = """
        with changed as (
            update subscriptions set expires_at = $9::timestamptz, version = version + 1
             where expires_at < $9::timestamptz and 
        """ + Filter + """

            returning id)
        select count(*)::int from changed
        """;

    /// <summary>Filter; returns each changed id with what locates its current usage key.</summary>
    public const string BulkResetUsage = """
        update subscriptions s set is_over_limit = false, version = s.version + 1
         where 
        """ + Filter + """

        returning s.id, (select l.traffic_reset_period from subscription_limits l where l.subscription_id = s.id),
                  coalesce(s.reset_anchor, s.created_at)
        """;

    public const string BulkDelete = """
        with changed as (
            delete from subscriptions
             where 
        """ + Filter + """

            returning id)
        select count(*)::int from changed
        """;
}
