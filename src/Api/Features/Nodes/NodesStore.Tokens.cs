using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>
/// The statements on node tokens: the token endpoints' and the ones <see cref="NodeTokenPublication"/> uses to record
/// what Redis holds (<c>node_tokens.published</c>, <c>node_token_removals</c>).
/// </summary>
internal static partial class NodesStore
{
    private const string InsertTokenSql = """
        insert into node_tokens (id, node_id, key_hash) select $1, n.id, $3 from nodes n where n.id = $2
        returning created_at
        """;

    // A node has few tokens (node_tokens_node index), so one statement with an optional cursor is enough here.
    private const string ListTokensSql = """
        select id, created_at, revoked_at from node_tokens where node_id = $1 and ($2::uuid is null or id < $2)
        order by id desc limit $3
        """;

    // coalesce keeps the first revocation time; the row is marked unpublished so the reconciler deletes the Redis
    // key if the handler's own delete does not get through.
    private const string RevokeTokenSql = """
        with old as (select id, revoked_at from node_tokens where id = $1 and node_id = $2 for update)
        update node_tokens t set revoked_at = coalesce(old.revoked_at, now()), published = false
        from old where t.id = old.id
        returning t.key_hash, old.revoked_at is null, t.revoked_at
        """;

    private const string MarkActivePublishedSql = "update node_tokens set published = true where id = $1 and revoked_at is null";

    private const string MarkRevokedPublishedSql = "update node_tokens set published = true where id = $1 and revoked_at is not null";

    private const string WithdrawTokenSql = """
        update node_tokens set revoked_at = now(), published = false where id = $1 and revoked_at is null
        """;

    // Rows the reconciler must look at: every active token (to repair drift) and revoked ones Redis may still hold.
    // The lock orders a concurrent revocation after the reconciler's publish, so a revoked key is never re-added.
    private const string ReconcileBatchSql = """
        select id, node_id, key_hash, revoked_at is null, published from node_tokens
        where (revoked_at is null or not published) and id > $1
        order by id limit $2
        for update skip locked
        """;

    private const string MarkPublishedSql = "update node_tokens set published = true where id = any($1)";

    // A removal whose key was re-issued as a live token (never in practice: keys are random) is left to that row.
    private const string RemovalBatchSql = """
        select r.key_hash, r.token_id, exists (select 1 from node_tokens t where t.key_hash = r.key_hash)
        from node_token_removals r order by r.key_hash limit $1
        for update skip locked
        """;

    private const string DeleteRemovalsSql = "delete from node_token_removals where key_hash = any($1)";

    /// <summary>The new token's creation time, null when there is no such node.</summary>
    public static async Task<DateTimeOffset?> InsertTokenAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid tokenId, Guid nodeId, byte[] keyHash,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertTokenSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tokenId });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = nodeId });
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = keyHash });
        return await cmd.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>Up to <paramref name="take"/> + 1 of the node's tokens, newest first, in one round with the node's existence; null when there is no such node.</summary>
    public static async Task<List<NodeTokenResponse>?> ListTokensAsync(NpgsqlDataSource db, Guid nodeId, Guid? after, int take, CancellationToken ct)
    {
        await using NpgsqlBatch batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(ExistsSql) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = nodeId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(ListTokensSql)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = nodeId },
                new NpgsqlParameter<Guid?> { NpgsqlDbType = NpgsqlDbType.Uuid, TypedValue = after },
                new NpgsqlParameter<int> { TypedValue = take + 1 },
            },
        });
        await using NpgsqlDataReader r = await batch.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        await r.NextResultAsync(ct);
        var rows = new List<NodeTokenResponse>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(new NodeTokenResponse(r.GetGuid(0), nodeId, r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2)));
        }
        return rows;
    }

    /// <summary>Revokes the token (keeping the first revocation time); its key hash and whether this call revoked it, or null when there is no such token.</summary>
    public static async Task<(byte[] KeyHash, bool Newly)?> RevokeTokenAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid tokenId, Guid nodeId,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(RevokeTokenSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tokenId });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = nodeId });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetFieldValue<byte[]>(0), r.GetBoolean(1)) : null;
    }

    public static async Task WithdrawTokenAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid tokenId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(WithdrawTokenSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tokenId });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Records that Redis holds the active token; false when it was revoked meanwhile.</summary>
    public static Task<bool> MarkActivePublishedAsync(NpgsqlDataSource db, Guid tokenId, CancellationToken ct) => MarkAsync(db, MarkActivePublishedSql, tokenId, ct);

    /// <summary>Records that the revoked token's key left Redis.</summary>
    public static Task<bool> MarkRevokedPublishedAsync(NpgsqlDataSource db, Guid tokenId, CancellationToken ct) => MarkAsync(db, MarkRevokedPublishedSql, tokenId, ct);

    /// <summary>
    /// The next <paramref name="take"/> tokens after <paramref name="after"/> that the reconciler must look at, locked
    /// until <paramref name="tx"/> ends.
    /// </summary>
    public static async Task<List<(Guid Id, Guid Node, byte[] Hash, bool Active, bool Published)>> ReconcileBatchAsync(NpgsqlConnection conn,
        NpgsqlTransaction tx, Guid after, int take, CancellationToken ct)
    {
        await using var select = new NpgsqlCommand(ReconcileBatchSql, conn, tx);
        select.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = after });
        select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take });
        var batch = new List<(Guid Id, Guid Node, byte[] Hash, bool Active, bool Published)>();
        await using NpgsqlDataReader r = await select.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            batch.Add((r.GetGuid(0), r.GetGuid(1), r.GetFieldValue<byte[]>(2), r.GetBoolean(3), r.GetBoolean(4)));
        }
        return batch;
    }

    public static async Task MarkPublishedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] tokenIds, CancellationToken ct)
    {
        await using var mark = new NpgsqlCommand(MarkPublishedSql, conn, tx);
        mark.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = tokenIds });
        await mark.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Up to <paramref name="take"/> queued removals, locked until <paramref name="tx"/> ends.</summary>
    public static async Task<List<(byte[] Hash, Guid Id, bool Reissued)>> RemovalBatchAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int take,
        CancellationToken ct)
    {
        await using var select = new NpgsqlCommand(RemovalBatchSql, conn, tx);
        select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take });
        var batch = new List<(byte[] Hash, Guid Id, bool Reissued)>();
        await using NpgsqlDataReader r = await select.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            batch.Add((r.GetFieldValue<byte[]>(0), r.GetGuid(1), r.GetBoolean(2)));
        }
        return batch;
    }

    /// <summary>Drops the removal rows of these key hashes.</summary>
    public static async Task DeleteRemovalsAsync(NpgsqlDataSource db, byte[][] keyHashes, CancellationToken ct)
    {
        await using NpgsqlCommand delete = db.CreateCommand(DeleteRemovalsSql);
        delete.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = keyHashes });
        await delete.ExecuteNonQueryAsync(ct);
    }

    /// <summary>As <see cref="DeleteRemovalsAsync(NpgsqlDataSource, byte[][], CancellationToken)"/>, in the transaction that locked them.</summary>
    public static async Task DeleteRemovalsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, byte[][] keyHashes, CancellationToken ct)
    {
        await using var delete = new NpgsqlCommand(DeleteRemovalsSql, conn, tx);
        delete.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = keyHashes });
        await delete.ExecuteNonQueryAsync(ct);
    }

    private static async Task<bool> MarkAsync(NpgsqlDataSource db, string sql, Guid tokenId, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = tokenId });
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }
}
