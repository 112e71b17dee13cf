namespace Vpn.Perf.Api.Features.Nodes;

internal static class NodesSql
{
    public const string Insert = """
        insert into nodes (id, name, description, geo, purpose) values ($1, $2, $3, $4, $5)
        returning id, name, description, geo, purpose, created_at
        """;

    public const string Get = "select id, name, description, geo, purpose, created_at from nodes where id = $1";

    // Keyset pages, newest first; two statements rather than "$1 is null or" so each has one plain index plan.
    public const string ListFirst = "select id, name, description, geo, purpose, created_at from nodes order by id desc limit $1";

    public const string ListAfter = """
        select id, name, description, geo, purpose, created_at from nodes where id < $1 order by id desc limit $2
        """;

    public const string Update = """
        update nodes set name = $2, description = $3, geo = $4, purpose = $5 where id = $1
        returning id, name, description, geo, purpose, created_at
        """;

    // The cascade removes the node's tokens, inbounds and their links; the tokens' keys are queued in
    // node_token_removals by a trigger (0006), returned here so the handler can remove them from Redis at once.
    public const string Delete = """
        with tokens as (select id, key_hash from node_tokens where node_id = $1 and (revoked_at is null or not published)),
             gone as (delete from nodes where id = $1 returning id)
        select t.id, t.key_hash from gone g left join tokens t on true
        """;

    public const string Exists = "select 1 from nodes where id = $1";

    public const string InsertToken = """
        insert into node_tokens (id, node_id, key_hash) select $1, n.id, $3 from nodes n where n.id = $2
        returning created_at
        """;

    // A node has few tokens (node_tokens_node index), so one statement with an optional cursor is enough here.
    public const string ListTokens = """
        select id, created_at, revoked_at from node_tokens where node_id = $1 and ($2::uuid is null or id < $2)
        order by id desc limit $3
        """;

    // coalesce keeps the first revocation time; the row is marked unpublished so the reconciler deletes the Redis
    // key if the handler's own delete does not get through.
    public const string RevokeToken = """
        with old as (select id, revoked_at from node_tokens where id = $1 and node_id = $2 for update)
        update node_tokens t set revoked_at = coalesce(old.revoked_at, now()), published = false
        from old where t.id = old.id
        returning t.key_hash, old.revoked_at is null, t.revoked_at
        """;

    public const string MarkActivePublished = "update node_tokens set published = true where id = $1 and revoked_at is null";

    public const string MarkRevokedPublished = "update node_tokens set published = true where id = $1 and revoked_at is not null";

    public const string WithdrawToken = """
        update node_tokens set revoked_at = now(), published = false where id = $1 and revoked_at is null
        """;

    // Rows the reconciler must look at: every active token (to repair drift) and revoked ones Redis may still hold.
    // The lock orders a concurrent revocation after the reconciler's publish, so a revoked key is never re-added.
    public const string ReconcileBatch = """
        select id, node_id, key_hash, revoked_at is null, published from node_tokens
        where (revoked_at is null or not published) and id > $1
        order by id limit $2
        for update skip locked
        """;

    public const string MarkPublished = "update node_tokens set published = true where id = any($1)";

    // A removal whose key was re-issued as a live token (never in practice: keys are random) is left to that row.
    public const string RemovalBatch = """
        select r.key_hash, r.token_id, exists (select 1 from node_tokens t where t.key_hash = r.key_hash)
        from node_token_removals r order by r.key_hash limit $1
        for update skip locked
        """;

    public const string DeleteRemovals = "delete from node_token_removals where key_hash = any($1)";
}
