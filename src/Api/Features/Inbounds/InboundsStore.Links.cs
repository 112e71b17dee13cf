using Npgsql;

namespace Vpn.Perf.Api.Features.Inbounds;

/// <summary>The statements on subscription ↔ inbound links.</summary>
internal static partial class InboundsStore
{
    // $2 in the subscription statements: the caller's own id when a reseller (a subscription it did not create reads as absent).
    private const string LockSubscriptionSql = "select 1 from subscriptions where id = $1 and ($2::uuid is null or created_by = $2) for update";

    private const string SubscriptionExistsSql = "select 1 from subscriptions where id = $1 and ($2::uuid is null or created_by = $2)";

    private const string InboundExistsSql = "select 1 from inbounds where id = $1";

    private const string MissingInboundsSql = """
        select x from unnest($1::uuid[]) x where not exists (select 1 from inbounds i where i.id = x) order by x limit 10
        """;

    // Set-based replacement: the delete and the insert see one snapshot and touch disjoint rows.
    private const string ReplaceLinksSql = """
        with removed as (
            delete from subscription_inbounds where subscription_id = $1 and inbound_id <> all($2) returning inbound_id),
        added as (
            insert into subscription_inbounds (subscription_id, inbound_id) select $1, x from unnest($2::uuid[]) x
            on conflict do nothing returning inbound_id)
        select array(select inbound_id from added order by 1), array(select inbound_id from removed order by 1)
        """;

    private const string ListLinksSql = "select inbound_id from subscription_inbounds where subscription_id = $1 order by inbound_id";

    private const string LinkSql = """
        insert into subscription_inbounds (subscription_id, inbound_id)
        select s.id, i.id from subscriptions s, inbounds i where s.id = $1 and i.id = $2 and ($3::uuid is null or s.created_by = $3)
        on conflict do nothing returning 1
        """;

    private const string UnlinkSql = """
        delete from subscription_inbounds
         where subscription_id = $1 and inbound_id = $2
           and ($3::uuid is null or exists (select 1 from subscriptions s where s.id = $1 and s.created_by = $3))
        """;

    /// <summary>Whether the subscription exists and, for a <paramref name="reseller"/>, is one it created.</summary>
    public static Task<bool> SubscriptionExistsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, Guid? reseller, CancellationToken ct)
        => ExistsAsync(conn, tx, SubscriptionExistsSql, id, reseller, ct);

    /// <summary>Locks the subscription for the transaction (serialising replacements of its set); false when there is no such subscription (or not the reseller's).</summary>
    public static Task<bool> LockSubscriptionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid? reseller, CancellationToken ct)
        => ExistsAsync(conn, tx, LockSubscriptionSql, id, reseller, ct);

    public static async Task<bool> InboundExistsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InboundExistsSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>Up to ten of <paramref name="ids"/> that no inbound has, in id order.</summary>
    public static async Task<List<Guid>> MissingInboundsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] ids, CancellationToken ct)
    {
        await using var check = new NpgsqlCommand(MissingInboundsSql, conn, tx);
        check.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
        var missing = new List<Guid>();
        await using NpgsqlDataReader r = await check.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) missing.Add(r.GetGuid(0));
        return missing;
    }

    /// <summary>Makes <paramref name="inboundIds"/> the subscription's whole set; returns the links added and removed.</summary>
    public static async Task<(Guid[] Added, Guid[] Removed)> ReplaceLinksAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid[] inboundIds,
        CancellationToken ct)
    {
        await using var replace = new NpgsqlCommand(ReplaceLinksSql, conn, tx);
        replace.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        replace.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = inboundIds });
        await using NpgsqlDataReader r = await replace.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.GetFieldValue<Guid[]>(0), r.GetFieldValue<Guid[]>(1));
    }

    /// <summary>The inbounds the subscription is linked to, in id order.</summary>
    public static async Task<IReadOnlyList<Guid>> ListLinksAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(ListLinksSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        var ids = new List<Guid>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) ids.Add(r.GetGuid(0));
        return ids;
    }

    /// <summary>False when nothing was inserted: already linked, or the subscription (for a <paramref name="reseller"/>, one it created) or the inbound is missing.</summary>
    public static async Task<bool> LinkAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid inboundId, Guid? reseller, CancellationToken ct)
    {
        await using var link = new NpgsqlCommand(LinkSql, conn, tx);
        link.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        link.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = inboundId });
        link.Parameters.Add(Reseller(reseller));
        return await link.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>False when there was no such link (or the subscription is not the <paramref name="reseller"/>'s).</summary>
    public static async Task<bool> UnlinkAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid inboundId, Guid? reseller, CancellationToken ct)
    {
        await using var unlink = new NpgsqlCommand(UnlinkSql, conn, tx);
        unlink.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        unlink.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = inboundId });
        unlink.Parameters.Add(Reseller(reseller));
        return await unlink.ExecuteNonQueryAsync(ct) > 0;
    }

    private static NpgsqlParameter Reseller(Guid? reseller)
        => new() { Value = reseller is { } r ? r : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid };

    private static async Task<bool> ExistsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, Guid id, Guid? reseller, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(Reseller(reseller));
        return await cmd.ExecuteScalarAsync(ct) is not null;
    }
}
