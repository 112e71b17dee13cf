namespace Vpn.Perf.Api.Features.Configs;

internal static class ConfigsSql
{
    /// <summary>
    /// Everything one render needs in one round trip (no row when the subscription does not exist): $2 the template
    /// version already in memory, so the body is sent only when it changed. Inbounds come as one JSON array (active
    /// ones, in creation order: UUIDv7). The last column is the id.
    /// </summary>
    private const string LoadColumns = """
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
                                                           'network', i.network, 'tls', i.tls, 'settings', i.settings) order by i.id)
                         from subscription_inbounds si
                         join inbounds i on i.id = si.inbound_id
                         join nodes n on n.id = i.node_id
                         where si.subscription_id = s.id and i.is_active), '[]')::text,
               s.id
        from subscriptions s
        join users u on u.id = s.owner_id
        join subscription_limits l on l.subscription_id = s.id
        left join config_templates t on t.id = 1
        """;

    /// <summary>$1 subscription id (the token was resolved in memory by <see cref="LinkIndex"/>).</summary>
    public const string Load = LoadColumns + " where s.id = $1";

    /// <summary>$1 link token: only while the in-memory index is not ready (start-up, a lost LISTEN connection).</summary>
    public const string LoadByToken = LoadColumns + " where s.link_token = $1";

    /// <summary>Every token, read right after LISTEN is in place (so no change falls between the two).</summary>
    public const string AllLinks = "select id, link_token, version from subscriptions";

    /// <summary>$1 the ids a link_changed notification named; a missing row means the subscription is gone.</summary>
    public const string Links = "select id, link_token, version from subscriptions where id = any($1)";

    public const string GetTemplate = "select version, updated_at, updated_by, body::text from config_templates where id = 1";

    /// <summary>$1 body, $2 actor, $3 the version the editor started from; no row = someone saved in between.</summary>
    public const string UpdateTemplate = """
        update config_templates set body = $1::json, version = version + 1, updated_at = now(), updated_by = $2
        where id = 1 and version = $3
        returning version, updated_at
        """;
}
