using Npgsql;

namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>Every statement on nodes (their tokens: NodesStore.Tokens.cs), run on the caller's connection and transaction.</summary>
internal static partial class NodesStore
{
    private const string InsertSql = """
        insert into nodes (id, name, description, geo, purpose) values ($1, $2, $3, $4, $5)
        returning id, name, description, geo, purpose, created_at
        """;

    private const string GetSql = "select id, name, description, geo, purpose, created_at from nodes where id = $1";

    // Keyset pages, newest first; two statements rather than "$1 is null or" so each has one plain index plan.
    private const string ListFirstSql = "select id, name, description, geo, purpose, created_at from nodes order by id desc limit $1";

    private const string ListAfterSql = """
        select id, name, description, geo, purpose, created_at from nodes where id < $1 order by id desc limit $2
        """;

    private const string UpdateSql = """
        update nodes set name = $2, description = $3, geo = $4, purpose = $5 where id = $1
        returning id, name, description, geo, purpose, created_at
        """;

    // The cascade removes the node's tokens, inbounds and their links; the tokens' keys are queued in
    // node_token_removals by a trigger (0006), returned here so the handler can remove them from Redis at once.
    private const string DeleteSql = """
        with tokens as (select id, key_hash from node_tokens where node_id = $1 and (revoked_at is null or not published)),
             gone as (delete from nodes where id = $1 returning id)
        select t.id, t.key_hash from gone g left join tokens t on true
        """;

    private const string ExistsSql = "select 1 from nodes where id = $1";

    public static async Task<NodeRow> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, NodeRequest request, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        AddFields(cmd, request);
        return (await ReadNodesAsync(cmd, ct))[0];
    }

    public static async Task<NodeRow?> GetAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(GetSql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        List<NodeRow> rows = await ReadNodesAsync(cmd, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Up to <paramref name="take"/> + 1 nodes, newest first.</summary>
    public static async Task<List<NodeRow>> ListAsync(NpgsqlDataSource db, Guid? after, int take, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(after is null ? ListFirstSql : ListAfterSql);
        if (after is { } cursor) cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cursor });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take + 1 });
        return await ReadNodesAsync(cmd, ct);
    }

    /// <summary>The node as replaced, null when there is no such node.</summary>
    public static async Task<NodeRow?> UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, NodeRequest request, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(UpdateSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        AddFields(cmd, request);
        List<NodeRow> rows = await ReadNodesAsync(cmd, ct);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Deletes the node; returns the tokens whose keys Redis may still hold, or null when there is no such node.</summary>
    public static async Task<List<(Guid Id, byte[] KeyHash)>?> DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        var tokens = new List<(Guid Id, byte[] KeyHash)>();
        bool deleted = false;
        await using var cmd = new NpgsqlCommand(DeleteSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            deleted = true;
            if (!r.IsDBNull(0)) tokens.Add((r.GetGuid(0), r.GetFieldValue<byte[]>(1)));
        }
        return deleted ? tokens : null;
    }

    private static void AddFields(NpgsqlCommand cmd, NodeRequest request)
    {
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Name!.Trim() });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Description ?? "" });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Geo ?? "" });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Purpose ?? "" });
    }

    private static async Task<List<NodeRow>> ReadNodesAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<NodeRow>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new NodeRow(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5)));
        }
        return rows;
    }
}
