namespace Vpn.Perf.Api.Features.Inbounds;

internal static class InboundsSql
{
    private const string Columns = "id, node_id, tag, host, port, protocol, network, tls, geo, purpose, is_active, settings::text, created_at";

    public const string Insert = $"""
        insert into inbounds (id, node_id, tag, host, port, protocol, network, tls, geo, purpose, is_active, settings)
        select $1, n.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 from nodes n where n.id = $2
        returning {Columns}
        """;

    public const string Get = $"select {Columns} from inbounds where id = $1";

    public const string NodeExists = "select 1 from nodes where id = $1";

    // Keyset page of one node's inbounds, newest first; a node has few inbounds, so one statement with an optional cursor.
    public const string ListByNode = $"""
        select {Columns} from inbounds where node_id = $1 and ($2::uuid is null or id < $2) order by id desc limit $3
        """;

    public const string Update = $"""
        update inbounds set tag = $2, host = $3, port = $4, protocol = $5, network = $6, tls = $7, geo = $8, purpose = $9,
                            is_active = $10, settings = $11
        where id = $1
        returning {Columns}
        """;

    public const string Delete = "delete from inbounds where id = $1 returning node_id, tag";

    public const string LockSubscription = "select 1 from subscriptions where id = $1 for update";

    public const string SubscriptionExists = "select 1 from subscriptions where id = $1";

    public const string InboundExists = "select 1 from inbounds where id = $1";

    public const string MissingInbounds = """
        select x from unnest($1::uuid[]) x where not exists (select 1 from inbounds i where i.id = x) order by x limit 10
        """;

    // Set-based replacement: the delete and the insert see one snapshot and touch disjoint rows.
    public const string ReplaceLinks = """
        with removed as (
            delete from subscription_inbounds where subscription_id = $1 and inbound_id <> all($2) returning inbound_id),
        added as (
            insert into subscription_inbounds (subscription_id, inbound_id) select $1, x from unnest($2::uuid[]) x
            on conflict do nothing returning inbound_id)
        select array(select inbound_id from added order by 1), array(select inbound_id from removed order by 1)
        """;

    public const string ListLinks = "select inbound_id from subscription_inbounds where subscription_id = $1 order by inbound_id";

    public const string Link = """
        insert into subscription_inbounds (subscription_id, inbound_id)
        select s.id, i.id from subscriptions s, inbounds i where s.id = $1 and i.id = $2
        on conflict do nothing returning 1
        """;

    public const string Unlink = "delete from subscription_inbounds where subscription_id = $1 and inbound_id = $2";
}
