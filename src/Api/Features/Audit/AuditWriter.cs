using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Features.Audit;

/// <summary>
/// Appends to <c>audit_log</c> inside the caller's transaction, so an audited change and its entry commit or
/// roll back together. Actions are dotted verbs (<c>subscription.suspend</c>); targets are <c>kind:id</c>.
/// Meta never holds secrets (keys, passwords, tokens).
/// </summary>
internal static class AuditWriter
{
    private const string Insert = "insert into audit_log (actor_id, action, target, meta) values ($1, $2, $3, $4)";

    public static async Task AddAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid? actorId, string action, string target,
        JsonElement? meta, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(Insert, connection, transaction);
        cmd.Parameters.Add(new NpgsqlParameter<Guid?> { NpgsqlDbType = NpgsqlDbType.Uuid, TypedValue = actorId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = action });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = target });
        cmd.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Jsonb, TypedValue = meta?.GetRawText() ?? "{}" });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static string Target(string kind, Guid id) => kind + ":" + id.ToString();
}
