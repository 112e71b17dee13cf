using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Features.Inbounds;

/// <summary>Every statement on inbounds (their subscription links: InboundsStore.Links.cs), run on the caller's connection and transaction.</summary>
internal static partial class InboundsStore
{
    private const string ColumnsSql = "id, node_id, tag, host, port, protocol, network, tls, geo, purpose, is_active, settings::text, created_at";

    private const string InsertSql = $"""
        insert into inbounds (id, node_id, tag, host, port, protocol, network, tls, geo, purpose, is_active, settings)
        select $1, n.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 from nodes n where n.id = $2
        returning {ColumnsSql}
        """;

    private const string GetSql = $"select {ColumnsSql} from inbounds where id = $1";

    private const string NodeExistsSql = "select 1 from nodes where id = $1";

    // Keyset page of one node's inbounds, newest first; a node has few inbounds, so one statement with an optional cursor.
    private const string ListByNodeSql = $"""
        select {ColumnsSql} from inbounds where node_id = $1 and ($2::uuid is null or id < $2) order by id desc limit $3
        """;

    private const string UpdateSql = $"""
        update inbounds set tag = $2, host = $3, port = $4, protocol = $5, network = $6, tls = $7, geo = $8, purpose = $9,
                            is_active = $10, settings = $11
        where id = $1
        returning {ColumnsSql}
        """;

    private const string DeleteSql = "delete from inbounds where id = $1 returning node_id, tag";

    /// <summary>The created inbound, null when there is no such node.</summary>
    public static async Task<InboundResponse?> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid nodeId, InboundRequest request,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = nodeId });
        AddFields(cmd, request);
        return await ReadOneAsync(cmd, ct);
    }

    /// <summary>Up to <paramref name="take"/> + 1 of the node's inbounds, newest first, in one round with the node's existence; null when there is no such node.</summary>
    public static async Task<List<InboundResponse>?> ListByNodeAsync(NpgsqlDataSource db, Guid nodeId, Guid? after, int take, CancellationToken ct)
    {
        await using NpgsqlBatch batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(NodeExistsSql) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = nodeId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(ListByNodeSql)
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
        var rows = new List<InboundResponse>();
        while (await r.ReadAsync(ct)) rows.Add(Read(r));
        return rows;
    }

    public static async Task<InboundResponse?> GetAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(GetSql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await ReadOneAsync(cmd, ct);
    }

    /// <summary>The inbound as replaced, null when there is no such inbound.</summary>
    public static async Task<InboundResponse?> UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, InboundRequest request, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(UpdateSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        AddFields(cmd, request);
        return await ReadOneAsync(cmd, ct);
    }

    /// <summary>The deleted inbound's node and tag, null when there is no such inbound.</summary>
    public static async Task<(Guid NodeId, string Tag)?> DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(DeleteSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetGuid(0), r.GetString(1)) : null;
    }

    /// <summary>Adds tag .. settings as the next ten positional parameters; defaults match the table's.</summary>
    private static void AddFields(NpgsqlCommand cmd, InboundRequest request)
    {
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tag!.Trim() });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Host!.Trim() });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = request.Port!.Value });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Protocol! });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Network ?? InboundValidation.DefaultNetwork });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tls ?? InboundValidation.DefaultTls });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Geo ?? "" });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Purpose ?? "" });
        cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = request.IsActive ?? true });
        cmd.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Jsonb, TypedValue = request.Settings?.GetRawText() ?? "{}" });
    }

    private static async Task<InboundResponse?> ReadOneAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Read(r) : null;
    }

    private static InboundResponse Read(NpgsqlDataReader r)
    {
        using var settings = JsonDocument.Parse(r.GetString(11));
        return new InboundResponse(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetString(5), r.GetString(6),
            r.GetString(7), r.GetString(8), r.GetString(9), r.GetBoolean(10), settings.RootElement.Clone(), r.GetFieldValue<DateTimeOffset>(12));
    }
}
