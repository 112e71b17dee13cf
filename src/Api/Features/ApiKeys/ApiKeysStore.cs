using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Features.ApiKeys;

/// <summary>The statements of key management, on the handler's connection and transaction.</summary>
internal static class ApiKeysStore
{
    /// <summary>Locks the user's row, so two creations racing past the per-user limit are serialised; null: no such (active) user.</summary>
    private const string LockUserSql = """
        select (select count(*) from api_keys k where k.user_id = u.id and k.revoked_at is null)::int
        from users u where u.id = $1 and not u.disabled for update
        """;

    private const string InsertSql = """
        insert into api_keys (id, user_id, name, key_hash, key_prefix, scopes, allowed_ips, daily_quota, created_at, expires_at)
        values ($1, $2, $3, $4, $5, $6, $7::cidr[], $8, $9, $10)
        """;

    private const string ListSql = """
        select id, name, key_prefix, scopes, allowed_ips::text[], daily_quota, created_at, expires_at, last_used_at
        from api_keys where user_id = $1 and revoked_at is null
        order by id desc
        """;

    private const string RevokeSql = "update api_keys set revoked_at = $3 where id = $1 and user_id = $2 and revoked_at is null returning id";

    /// <summary>The user's active key count, the row locked until the transaction ends; null when the user is gone or disabled.</summary>
    public static async Task<int?> LockUserAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid userId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(LockUserSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        return await cmd.ExecuteScalarAsync(ct) is int count ? count : null;
    }

    public static async Task InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid userId, ValidApiKey key, byte[] hash,
        string prefix, DateTimeOffset createdAt, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key.Name });
        cmd.Parameters.Add(new NpgsqlParameter<byte[]> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = hash });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = prefix });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = key.Scopes });
        cmd.Parameters.Add(new NpgsqlParameter<string[]?> { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, TypedValue = key.AllowedIps });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = key.DailyQuota });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = createdAt.ToUniversalTime() });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = key.ExpiresAt?.ToUniversalTime() });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The user's active keys, newest first (at most <c>ApiKeys:MaxKeysPerUser</c>, so no paging).</summary>
    public static async Task<List<ApiKeyResponse>> ListAsync(NpgsqlDataSource db, Guid userId, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(ListSql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        var rows = new List<ApiKeyResponse>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new ApiKeyResponse(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetFieldValue<string[]>(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<string[]>(4), r.GetInt32(5), r.GetFieldValue<DateTimeOffset>(6),
                r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8)));
        }
        return rows;
    }

    /// <summary>Revokes one of the user's own live keys; false when it is not theirs, not live or does not exist.</summary>
    public static async Task<bool> RevokeAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid userId, DateTimeOffset at, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(RevokeSql, conn, tx);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = userId });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { NpgsqlDbType = NpgsqlDbType.TimestampTz, TypedValue = at.ToUniversalTime() });
        return await cmd.ExecuteScalarAsync(ct) is Guid;
    }
}
