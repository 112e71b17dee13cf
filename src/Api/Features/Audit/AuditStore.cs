using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Features.Audit;

/// <summary>
/// The audit log's statements. <see cref="AddAsync"/> appends inside the caller's transaction, so an audited change and
/// its entry commit or roll back together. Actions are dotted verbs (<c>subscription.suspend</c>); targets are
/// <c>kind:id</c>. Meta never holds secrets (keys, passwords, tokens).
/// </summary>
internal static class AuditStore
{
    private const string InsertSql = "insert into audit_log (actor_id, action, target, meta) values ($1, $2, $3, $4)";

    // Each filter is optional. Npgsql sends unprepared statements, so Postgres plans every execution with the actual
    // values: the "$n is null or" arms fold away and the (actor_id | action | target, id desc) indexes of 0006, or the
    // primary key walked backwards, serve the remaining predicate.
    private const string ListSql = """
        select id, at, actor_id, action, target, meta::text from audit_log
        where ($1::uuid is null or actor_id = $1)
          and ($2::text is null or action = $2)
          and ($3::text is null or target = $3)
          and ($4::timestamptz is null or at >= $4)
          and ($5::timestamptz is null or at < $5)
          and ($6::bigint is null or id < $6)
        order by id desc
        limit $7
        """;

    public static async Task AddAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid? actorId, string action, string target,
        JsonElement? meta, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter<Guid?> { NpgsqlDbType = NpgsqlDbType.Uuid, TypedValue = actorId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = action });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = target });
        cmd.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Jsonb, TypedValue = meta?.GetRawText() ?? "{}" });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static string Target(string kind, Guid id) => kind + ":" + id.ToString();

    /// <summary>Up to <paramref name="take"/> + 1 entries, newest first; every filter is optional.</summary>
    public static async Task<List<AuditEntry>> ListAsync(NpgsqlDataSource db, Guid? actor, string? action, string? target, DateTimeOffset? from,
        DateTimeOffset? to, long? after, int take, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(ListSql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid?> { NpgsqlDbType = NpgsqlDbType.Uuid, TypedValue = actor });
        cmd.Parameters.Add(new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = action });
        cmd.Parameters.Add(new NpgsqlParameter<string?> { NpgsqlDbType = NpgsqlDbType.Text, TypedValue = target });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = from?.ToUniversalTime() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = to?.ToUniversalTime() });
        cmd.Parameters.Add(new NpgsqlParameter<long?> { NpgsqlDbType = NpgsqlDbType.Bigint, TypedValue = after });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take + 1 });
        var rows = new List<AuditEntry>(take + 1);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            using var meta = JsonDocument.Parse(r.GetString(5));
            rows.Add(new AuditEntry(r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.GetString(3),
                r.GetString(4), meta.RootElement.Clone()));
        }
        return rows;
    }
}
