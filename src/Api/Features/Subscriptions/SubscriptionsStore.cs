using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Configs;

namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// Every statement on subscriptions, run on the caller's connection and transaction (a handler's change, its audit
/// entry and its read-back commit together). Lists and bulk operations share one filter whose absent criteria are
/// typed nulls: Npgsql runs these as unnamed statements, which Postgres plans with the actual values, so
/// <c>$1 is null or ...</c> folds away and each present criterion can use its index (schema/postgres/0005_admin_indexes.sql).
/// </summary>
internal static partial class SubscriptionsStore
{
    /// <summary>
    /// $1 owner, $2 suspended, $3 over limit, $4 expired, $5 expiring before, $6 title ILIKE pattern, $7 now,
    /// $8 the caller's own id when the caller is a customer, $9 when a reseller (<see cref="CallerScope"/>; null for staff).
    /// </summary>
    private const string FilterSql = """
        ($1::uuid is null or owner_id = $1)
          and ($2::boolean is null or is_suspended = $2)
          and ($3::boolean is null or is_over_limit = $3)
          and ($4::boolean is not true or expires_at <= $7::timestamptz)
          and ($4::boolean is not false or expires_at is null or expires_at > $7::timestamptz)
          and ($5::timestamptz is null or expires_at < $5)
          and ($6::text is null or title ilike $6)
          and ($8::uuid is null or owner_id = $8)
          and ($9::uuid is null or created_by = $9)
        """;

    private const string ColumnsSql = """
        s.id, s.owner_id, s.title, s.description, s.created_at, s.expires_at, s.max_traffic, s.max_speed,
        s.traffic_reset_period, coalesce(s.reset_anchor, s.created_at), s.is_suspended, s.is_over_limit, s.version,
        l.max_traffic, l.max_speed, l.traffic_reset_period, s.link_token, s.device_limit, l.device_limit, s.plan_id, s.created_by
        """;

    /// <summary>
    /// Filter, then $10 cursor (exclusive), $11 limit + 1. The page is cut first and only its rows meet the
    /// effective-limits view, whose lateral aggregate is per row.
    /// </summary>
    private const string ListSql = """
        with page as (
            select * from subscriptions
             where 
        """ + FilterSql + """

               and ($10::uuid is null or id < $10)
             order by id desc
             limit $11)
        select 
        """ + ColumnsSql + """
         from page s join subscription_limits l on l.subscription_id = s.id
         order by s.id desc
        """;

    /// <summary>$1 id, $2 the caller's own id when a customer, $3 when a reseller (a subscription outside the scope reads as absent).</summary>
    private const string GetSql = "select " + ColumnsSql + """
         from subscriptions s join subscription_limits l on l.subscription_id = s.id
        where s.id = $1 and ($2::uuid is null or s.owner_id = $2) and ($3::uuid is null or s.created_by = $3)
        """;

    private const string InsertSql = """
        insert into subscriptions (id, owner_id, title, description, secret, expires_at, max_traffic, max_speed,
                                   traffic_reset_period, reset_anchor, created_at, device_limit, plan_id, created_by)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10, $11), $11, $12, $13, $14)
        returning link_token
        """;

    /// <summary>$10 expected version (null = any), $11 device limit, $12 the caller's own id when a reseller.</summary>
    private const string UpdateSql = """
        update subscriptions
           set owner_id = coalesce($2, owner_id), title = $3, description = $4, expires_at = $5, max_traffic = $6,
               max_speed = $7, traffic_reset_period = $8, reset_anchor = coalesce($9, created_at), device_limit = $11,
               version = version + 1
         where id = $1 and ($10::bigint is null or version = $10) and ($12::uuid is null or created_by = $12)
        """;

    private const string SetSuspendedSql = """
        update subscriptions set is_suspended = $2, version = version + 1
         where id = $1 and ($3::bigint is null or version = $3) and ($4::uuid is null or created_by = $4)
        """;

    /// <summary>Returns what locates the current usage key: the effective reset period and the anchor.</summary>
    private const string ResetUsageSql = """
        update subscriptions s set is_over_limit = false, version = s.version + 1
         where s.id = $1 and ($2::bigint is null or s.version = $2) and ($3::uuid is null or s.created_by = $3)
        returning (select l.traffic_reset_period from subscription_limits l where l.subscription_id = s.id),
                  coalesce(s.reset_anchor, s.created_at)
        """;

    private const string DeleteSql = "delete from subscriptions where id = $1 and ($2::bigint is null or version = $2) and ($3::uuid is null or created_by = $3)";

    /// <summary>$2 the caller's own id when a customer, $3 when a reseller (a subscription outside the scope reads as absent).</summary>
    private const string VersionSql = "select version from subscriptions where id = $1 and ($2::uuid is null or owner_id = $2) and ($3::uuid is null or created_by = $3)";

    /// <summary>$1 user, $2 the caller's own id when a reseller: whether the caller may give the user a subscription.</summary>
    private const string OwnerInScopeSql = "select exists (select 1 from users where id = $1 and ($2::uuid is null or created_by = $2))";

    /// <summary>What a plan sold by staff gives a subscription; only a plan on sale.</summary>
    private const string PlanTermsSql = "select max_traffic, max_speed, traffic_reset_period, device_limit, duration from plans where id = $1 and is_active";

    /// <summary>
    /// $1 id, $2 expected version (null = any), $3 the caller's own id when a customer, $4 when a reseller. The old
    /// token stops matching with the commit; returns the new token and version.
    /// </summary>
    private const string RotateLinkSql = """
        update subscriptions set link_token = new_link_token(), version = version + 1
         where id = $1 and ($2::bigint is null or version = $2) and ($3::uuid is null or owner_id = $3) and ($4::uuid is null or created_by = $4)
        returning link_token, version
        """;

    /// <summary>The page query of <c>GET /api/v1/subscriptions</c>; <paramref name="take"/> is the page size (one more row is read). The index test explains it.</summary>
    public static NpgsqlCommand ListCommand(NpgsqlConnection conn, SubscriptionFilter filter, CallerScope scope, DateTimeOffset now, Guid? after, int take)
        => new NpgsqlCommand(ListSql, conn)
            .Filter(filter, now, scope)
            .Arg(after, NpgsqlDbType.Uuid)
            .Arg(take + 1, NpgsqlDbType.Integer);

    /// <summary>Up to <paramref name="take"/> + 1 rows; <paramref name="linkPrefix"/>: what each row's token is appended to (<see cref="Configs.ConfigLinks.PrefixFor"/>).</summary>
    public static async Task<List<SubscriptionDto>> ListAsync(NpgsqlConnection conn, SubscriptionFilter filter, CallerScope scope, DateTimeOffset now,
        Guid? after, int take, string linkPrefix, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = ListCommand(conn, filter, scope, now, after, take);
        return await ReadAllAsync(cmd, now, linkPrefix, ct);
    }

    /// <summary>A subscription outside <paramref name="scope"/> reads as absent.</summary>
    public static async Task<SubscriptionDto?> GetAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, CallerScope scope, DateTimeOffset now,
        string linkPrefix, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(GetSql, conn, tx);
        cmd.Arg(id, NpgsqlDbType.Uuid).Arg(scope.Owner, NpgsqlDbType.Uuid).Arg(scope.Creator, NpgsqlDbType.Uuid);
        List<SubscriptionDto> rows = await ReadAllAsync(cmd, now, linkPrefix, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Inserts the subscription with a fresh proxy secret, recording who created it; returns its link token.</summary>
    public static async Task<string> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CreateSubscriptionRequest request, DateTimeOffset now,
        Guid createdBy, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        return (string)(await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(request.OwnerId!.Value, NpgsqlDbType.Uuid)
            .Arg(request.Title ?? "", NpgsqlDbType.Text).Arg(request.Description ?? "", NpgsqlDbType.Text)
            .Arg(Guid.NewGuid().ToString(), NpgsqlDbType.Text) // the proxy credential: random, unlike the time-ordered id
            .Arg(request.ExpiresAt).Arg(request.MaxTraffic, NpgsqlDbType.Bigint).Arg(request.MaxSpeed, NpgsqlDbType.Bigint)
            .Arg(request.TrafficResetPeriod, NpgsqlDbType.Text).Arg(request.ResetAnchor).Arg(now).Arg(request.DeviceLimit, NpgsqlDbType.Integer)
            .Arg(request.PlanId, NpgsqlDbType.Uuid).Arg(createdBy, NpgsqlDbType.Uuid)
            .ExecuteScalarAsync(ct))!;
    }

    /// <summary>Replaces the editable fields when the version is <paramref name="expected"/> (null = any); false when no row changed.</summary>
    public static async Task<bool> UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, UpdateSubscriptionRequest request, long? expected,
        Guid? reseller, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(UpdateSql, conn, tx);
        return await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(request.OwnerId, NpgsqlDbType.Uuid)
            .Arg(request.Title ?? "", NpgsqlDbType.Text).Arg(request.Description ?? "", NpgsqlDbType.Text)
            .Arg(request.ExpiresAt).Arg(request.MaxTraffic, NpgsqlDbType.Bigint).Arg(request.MaxSpeed, NpgsqlDbType.Bigint)
            .Arg(request.TrafficResetPeriod, NpgsqlDbType.Text).Arg(request.ResetAnchor).Arg(expected, NpgsqlDbType.Bigint)
            .Arg(request.DeviceLimit, NpgsqlDbType.Integer).Arg(reseller, NpgsqlDbType.Uuid)
            .ExecuteNonQueryAsync(ct) > 0;
    }

    public static async Task<bool> SetSuspendedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, bool suspend, long? expected, Guid? reseller,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(SetSuspendedSql, conn, tx);
        return await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(suspend, NpgsqlDbType.Boolean).Arg(expected, NpgsqlDbType.Bigint).Arg(reseller, NpgsqlDbType.Uuid)
            .ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>Clears the over-limit flag; returns what locates the current usage key, or null when no row changed.</summary>
    public static async Task<UsagePeriod?> ResetUsageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, long? expected, Guid? reseller,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(ResetUsageSql, conn, tx);
        cmd.Arg(id, NpgsqlDbType.Uuid).Arg(expected, NpgsqlDbType.Bigint).Arg(reseller, NpgsqlDbType.Uuid);
        await using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadPeriod(reader, id, 0) : null;
    }

    /// <summary>A new link token when the row matched (version and the caller's scope); null otherwise.</summary>
    public static async Task<(string Token, long Version)?> RotateLinkAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, long? expected,
        CallerScope scope, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(RotateLinkSql, conn, tx);
        cmd.Arg(id, NpgsqlDbType.Uuid).Arg(expected, NpgsqlDbType.Bigint).Arg(scope.Owner, NpgsqlDbType.Uuid).Arg(scope.Creator, NpgsqlDbType.Uuid);
        await using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetString(0), reader.GetInt64(1)) : null;
    }

    public static async Task<bool> DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, long? expected, Guid? reseller, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(DeleteSql, conn, tx);
        return await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(expected, NpgsqlDbType.Bigint).Arg(reseller, NpgsqlDbType.Uuid).ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>The current version, null when the subscription is absent or outside <paramref name="scope"/>.</summary>
    public static async Task<long?> VersionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CallerScope scope, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(VersionSql, conn, tx);
        return await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(scope.Owner, NpgsqlDbType.Uuid).Arg(scope.Creator, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct) as long?;
    }

    /// <summary>Whether <paramref name="user"/> exists and, for a <paramref name="reseller"/>, is one of the customers it created.</summary>
    public static async Task<bool> OwnerInScopeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid user, Guid? reseller, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(OwnerInScopeSql, conn, tx);
        return await cmd.Arg(user, NpgsqlDbType.Uuid).Arg(reseller, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct) is true;
    }

    /// <summary>The limits and duration of a plan on sale; null when there is none with that id or it is retired.</summary>
    public static async Task<PlanTerms?> PlanTermsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid plan, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(PlanTermsSql, conn, tx);
        await using NpgsqlDataReader r = await cmd.Arg(plan, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new PlanTerms(Int64(r, 0), Int64(r, 1), Text(r, 2), Int32(r, 3), r.GetString(4)) : null;
    }

    /// <summary>Binds $1-$9 of the shared filter.</summary>
    private static NpgsqlCommand Filter(this NpgsqlCommand cmd, SubscriptionFilter filter, DateTimeOffset now, CallerScope scope) => cmd
        .Arg(filter.Owner, NpgsqlDbType.Uuid)
        .Arg(filter.Suspended, NpgsqlDbType.Boolean)
        .Arg(filter.OverLimit, NpgsqlDbType.Boolean)
        .Arg(filter.Expired, NpgsqlDbType.Boolean)
        .Arg(filter.ExpiringBefore)
        .Arg(SqlLike.Contains(filter.Q), NpgsqlDbType.Text)
        .Arg(now)
        .Arg(scope.Owner, NpgsqlDbType.Uuid)
        .Arg(scope.Creator, NpgsqlDbType.Uuid);

    private static async Task<List<SubscriptionDto>> ReadAllAsync(NpgsqlCommand cmd, DateTimeOffset now, string linkPrefix, CancellationToken ct)
    {
        var rows = new List<SubscriptionDto>();
        await using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(Read(reader, now, linkPrefix));
        return rows;
    }

    private static SubscriptionDto Read(NpgsqlDataReader r, DateTimeOffset now, string linkPrefix)
    {
        DateTimeOffset? expires = r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5);
        string configUrl = linkPrefix + r.GetString(16);
        return new SubscriptionDto(
            r.GetGuid(0), configUrl, r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), expires,
            Int64(r, 6), Int64(r, 7), Text(r, 8), r.GetFieldValue<DateTimeOffset>(9),
            r.GetBoolean(10), r.GetBoolean(11), expires <= now, r.GetInt64(12),
            new EffectiveLimits(Int64(r, 13), Int64(r, 14), Text(r, 15), Int32(r, 18)), null, Int32(r, 17),
            r.IsDBNull(19) ? null : r.GetGuid(19), r.IsDBNull(20) ? null : r.GetGuid(20), ConfigUrls.Of(configUrl));
    }

    /// <summary>The effective reset period and the anchor at <paramref name="first"/>, <paramref name="first"/> + 1.</summary>
    private static UsagePeriod ReadPeriod(NpgsqlDataReader r, Guid id, int first)
        => new(id, Text(r, first), r.GetFieldValue<DateTimeOffset>(first + 1));

    private static long? Int64(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static int? Int32(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt32(i);

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
