namespace Vpn.Perf.Api.Features.NodeSync;

internal static class NodeSyncSql
{
    // Two unique-index lookups (node_tokens.key_hash, node_sync primary key): the whole cost of an unchanged sync.
    public const string Authenticate = """
        select t.node_id, t.id, coalesce(v.version, 0) from node_tokens t
        left join node_sync v on v.node_id = t.node_id
        where t.key_hash = $1 and t.revoked_at is null
        """;

    public const string Inbounds = """
        select id, tag, protocol, port, settings->>'method' from inbounds where node_id = $1 and is_active order by id
        """;

    // Who may connect: linked, not suspended, not over limit, not expired at $2, owner not disabled; the speed limit is
    // the effective one (own value, else the owner's groups; subscription_limits, 0002).
    public const string Users = """
        select si.inbound_id, s.id, s.secret, l.max_speed, s.expires_at
        from inbounds i
        join subscription_inbounds si on si.inbound_id = i.id
        join subscriptions s on s.id = si.subscription_id
        join users u on u.id = s.owner_id
        join subscription_limits l on l.subscription_id = s.id
        where i.node_id = $1 and i.is_active
          and not s.is_suspended and not s.is_over_limit and not u.disabled
          and (s.expires_at is null or s.expires_at > $2)
        order by si.inbound_id, s.id
        """;
}
