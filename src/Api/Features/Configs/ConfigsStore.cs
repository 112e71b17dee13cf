using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>The config feature's statements: the one-round load of a render, the link index reads, and the base template.</summary>
internal static class ConfigsStore
{
    /// <summary>
    /// Everything one render needs in one round trip (no row when the subscription does not exist): $2 the template
    /// version already in memory, so the body is sent only when it changed. Inbounds come as one JSON array (active
    /// ones, in creation order: UUIDv7), a WireGuard inbound with the subscription's peer (its keys still encrypted: the
    /// loader decrypts them). Then the id, the effective device limit, the registered HWIDs and the description
    /// (shown on the page for browsers).
    /// </summary>
    private const string LoadColumnsSql = """
        select s.is_suspended or u.disabled,
               s.is_over_limit,
               s.expires_at,
               s.title,
               s.secret,
               l.max_traffic,
               l.traffic_reset_period,
               coalesce(s.reset_anchor, s.created_at),
               t.version,
               case when t.version = $2 then null else t.body::text end,
               coalesce((select json_agg(json_build_object('node', n.name, 'tag', i.tag, 'host', i.host, 'port', i.port, 'protocol', i.protocol,
                                                           'network', i.network, 'tls', i.tls, 'settings', i.settings, 'id', i.id,
                                                           'peer', case when p.inbound_id is not null then json_build_object(
                                                               'index', p.address_index, 'key', encode(p.private_key, 'hex'),
                                                               'psk', encode(p.preshared_key, 'hex'), 'kid', p.key_id) end) order by i.id)
                         from subscription_inbounds si
                         join inbounds i on i.id = si.inbound_id
                         join nodes n on n.id = i.node_id
                         left join wireguard_peers p on p.subscription_id = si.subscription_id and p.inbound_id = si.inbound_id
                         where si.subscription_id = s.id and i.is_active), '[]')::text,
               s.id,
               l.device_limit,
               array(select d.hwid from devices d where d.subscription_id = s.id),
               s.description
        from subscriptions s
        join users u on u.id = s.owner_id
        join subscription_limits l on l.subscription_id = s.id
        left join config_templates t on t.id = 1
        """;

    /// <summary>$1 subscription id (the token was resolved in memory by <see cref="LinkIndex"/>).</summary>
    private const string LoadSql = LoadColumnsSql + " where s.id = $1";

    /// <summary>$1 link token: only while the in-memory index is not ready (start-up, a lost LISTEN connection).</summary>
    private const string LoadByTokenSql = LoadColumnsSql + " where s.link_token = $1";

    /// <summary>Every token, read right after LISTEN is in place (so no change falls between the two).</summary>
    private const string AllLinksSql = "select id, link_token, version from subscriptions";

    /// <summary>$1 the ids a link_changed notification named; a missing row means the subscription is gone.</summary>
    private const string LinksSql = "select id, link_token, version from subscriptions where id = any($1)";

    private const string GetTemplateSql = "select version, updated_at, updated_by, body::text from config_templates where id = 1";

    /// <summary>$1 body, $2 actor, $3 the version the editor started from; no row = someone saved in between.</summary>
    private const string UpdateTemplateSql = """
        update config_templates set body = $1::json, version = version + 1, updated_at = now(), updated_by = $2
        where id = 1 and version = $3
        returning version, updated_at
        """;

    private const string GetFormatRulesSql = "select version, updated_at, updated_by, rules::text, fallback from config_format_rules where id = 1";

    /// <summary>$1 rules (a JSON array), $2 fallback, $3 actor, $4 the version the editor started from (0: the row is gone).</summary>
    private const string InsertFormatRulesSql = """
        insert into config_format_rules (id, rules, fallback, updated_by) select 1, $1::jsonb, $2, $3 where $4 = 0
        on conflict (id) do nothing
        returning version, updated_at
        """;

    private const string ReplaceFormatRulesSql = """
        update config_format_rules set rules = $1::jsonb, fallback = $2, version = version + 1, updated_at = now(), updated_by = $3
        where id = 1 and version = $4
        returning version, updated_at
        """;

    /// <summary>
    /// The load of one subscription's render, by id or (while the index is not ready) by link token, with the template
    /// version already in memory. The loader reads its columns straight into the render.
    /// </summary>
    public static NpgsqlCommand LoadCommand(NpgsqlDataSource db, Guid id, long templateVersion)
        => Load(db, LoadSql, new NpgsqlParameter<Guid> { TypedValue = id }, templateVersion);

    /// <inheritdoc cref="LoadCommand(NpgsqlDataSource, Guid, long)"/>
    public static NpgsqlCommand LoadCommand(NpgsqlDataSource db, LinkToken token, long templateVersion)
        => Load(db, LoadByTokenSql, new NpgsqlParameter<string> { TypedValue = token.ToString() }, templateVersion);

    /// <summary>Every token, read right after LISTEN is in place on <paramref name="connection"/>.</summary>
    public static async Task<LinkIndex.Snapshot> ReadAllLinksAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var snapshot = new LinkIndex.Snapshot();
        await using var cmd = new NpgsqlCommand(AllLinksSql, connection);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) snapshot.Add(r.GetGuid(0), r.GetString(1), r.GetInt64(2));
        return snapshot;
    }

    /// <summary>The current token and version of each of <paramref name="ids"/> that still exists.</summary>
    public static async Task<List<(Guid Id, string Token, long Version)>> ReadLinksAsync(NpgsqlConnection connection, Guid[] ids, CancellationToken ct)
    {
        var rows = new List<(Guid Id, string Token, long Version)>(ids.Length);
        await using var cmd = new NpgsqlCommand(LinksSql, connection);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) rows.Add((r.GetGuid(0), r.GetString(1), r.GetInt64(2)));
        return rows;
    }

    /// <summary>The stored template with its body unparsed; null when the row is gone.</summary>
    public static async Task<(long Version, DateTimeOffset UpdatedAt, Guid? UpdatedBy, string Body)?> GetTemplateAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(GetTemplateSql);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return (r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.GetString(3));
    }

    /// <summary>Saves the template if it is still at <paramref name="expectedVersion"/>; the new version and time, or null when someone saved in between.</summary>
    public static async Task<(long Version, DateTimeOffset UpdatedAt)?> UpdateTemplateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string body, Guid actor,
        long expectedVersion, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(UpdateTemplateSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Json, TypedValue = body });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = actor });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1)) : null;
    }

    private static NpgsqlCommand Load(NpgsqlDataSource db, string sql, NpgsqlParameter key, long templateVersion)
    {
        NpgsqlCommand cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(key);
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = templateVersion });
        return cmd;
    }

    /// <summary>The stored User-Agent rules, their JSON unparsed; null when the row is gone.</summary>
    public static async Task<(long Version, DateTimeOffset UpdatedAt, Guid? UpdatedBy, string Rules, string Fallback)?> GetFormatRulesAsync(
        NpgsqlConnection connection, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(GetFormatRulesSql, connection);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return (r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.GetString(3), r.GetString(4));
    }

    /// <summary>Saves the rules if they are still at <paramref name="expectedVersion"/>; the new version and time, or null when someone saved in between.</summary>
    public static async Task<(long Version, DateTimeOffset UpdatedAt)?> UpdateFormatRulesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string rules,
        string fallback, Guid actor, long expectedVersion, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(expectedVersion == 0 ? InsertFormatRulesSql : ReplaceFormatRulesSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Jsonb, TypedValue = rules });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fallback });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = actor });
        cmd.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expectedVersion });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1)) : null;
    }
}
