using Npgsql;
using NpgsqlTypes;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>
/// Every statement of sign-in, sessions and accounts, run on the caller's connection and transaction where one is
/// given (a session starts in the transaction of the sign-in that opened it). The tokens of account mail are in
/// <c>AuthStore.Tokens.cs</c>.
/// </summary>
internal static partial class AuthStore
{
    // Emails are matched through the users_email_lower index (0004), so an address stored with capitals by an
    // older path still signs in with its normalised form.
    private const string FindByEmailSql = "select id, password_hash, role, disabled from users where lower(email) = $1";

    private const string FindByUsernameSql = "select id, password_hash, role, disabled from users where username = $1";

    private const string PasswordOfSql = "select password_hash, email from users where id = $1";

    private const string SetPasswordHashSql = "update users set password_hash = $2 where id = $1";

    private const string InsertSessionSql = """
        insert into auth_sessions (id, user_id, device, created_at, last_used_at, expires_at)
        values ($1, $2, $3, $4, $4, $5)
        """;

    private const string InsertRefreshTokenSql = "insert into refresh_tokens (token_hash, session_id, issued_at) values ($1, $2, $3)";

    /// <summary>A user's sessions that ended more than one refresh lifetime ago; their tokens go with them (cascade).</summary>
    private const string PruneSessionsSql = "delete from auth_sessions where user_id = $1 and (revoked_at < $2 or expires_at < $2)";

    /// <summary>
    /// Consumes a live token. Under READ COMMITTED a second transaction presenting the same token waits for the first
    /// one's row lock and then re-checks <c>consumed_at is null</c>, so exactly one of two racing refreshes gets a row.
    /// </summary>
    private const string ConsumeRefreshTokenSql = """
        update refresh_tokens t set consumed_at = $2
        from auth_sessions s join users u on u.id = s.user_id
        where t.token_hash = $1 and t.consumed_at is null and s.id = t.session_id
        returning s.id, s.user_id, u.role, u.disabled, s.revoked_at is null and s.expires_at > $2
        """;

    /// <summary>A token that was already consumed is being replayed: end its whole family.</summary>
    private const string RevokeReusedFamilySql = """
        update auth_sessions s set revoked_at = $2
        from refresh_tokens t
        where t.token_hash = $1 and t.consumed_at is not null and s.id = t.session_id and s.revoked_at is null
        returning s.id, s.user_id
        """;

    private const string ExtendSessionSql = "update auth_sessions set last_used_at = $2, expires_at = $3 where id = $1";

    private const string RevokeSessionSql = "update auth_sessions set revoked_at = $3 where id = $1 and user_id = $2 and revoked_at is null";

    /// <summary>Revokes one of the caller's own sessions; no row means it is not theirs (or does not exist).</summary>
    private const string RevokeOwnSessionSql = "update auth_sessions set revoked_at = coalesce(revoked_at, $3) where id = $1 and user_id = $2 returning id";

    private const string RevokeOtherSessionsSql = "update auth_sessions set revoked_at = $3 where user_id = $1 and id is distinct from $2 and revoked_at is null";

    private const string MeSql = "select id, email, username, role, created_at, email_verified_at from users where id = $1";

    private const string GroupsOfSql = """
        select g.id, g.name from user_groups ug join groups g on g.id = ug.group_id
        where ug.user_id = $1 order by g.name
        """;

    private const string ListSessionsSql = """
        select id, device, created_at, last_used_at, expires_at from auth_sessions
        where user_id = $1 and revoked_at is null and expires_at > $2 and ($3::uuid is null or id < $3)
        order by id desc limit $4
        """;

    private const string RoleOfUsernameSql = "select role from users where username = $1";

    private const string InsertSuperuserSql = "insert into users (id, username, password_hash, role) values ($1, $2, $3, 'superuser')";

    /// <summary>The account signing in, by lower-case email or by username; null when there is none.</summary>
    public static async Task<(Guid Id, string Hash, string Role, bool Disabled)?> FindAccountAsync(NpgsqlDataSource db, bool byEmail, string account,
        CancellationToken ct)
    {
        await using NpgsqlCommand find = Command(db, byEmail ? FindByEmailSql : FindByUsernameSql, P(account));
        await using NpgsqlDataReader row = await find.ExecuteReaderAsync(ct);
        return await row.ReadAsync(ct) ? (row.GetGuid(0), row.GetString(1), row.GetString(2), row.GetBoolean(3)) : null;
    }

    /// <summary>The user's password hash and email address (null for a staff account by username); null when the account is gone.</summary>
    public static async Task<(string Hash, string? Email)?> PasswordOfAsync(NpgsqlDataSource db, Guid userId, CancellationToken ct)
    {
        await using NpgsqlCommand read = Command(db, PasswordOfSql, P(userId));
        await using NpgsqlDataReader row = await read.ExecuteReaderAsync(ct);
        return await row.ReadAsync(ct) ? (row.GetString(0), row.IsDBNull(1) ? null : row.GetString(1)) : null;
    }

    public static async Task SetPasswordHashAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid userId, string passwordHash, CancellationToken ct)
    {
        await using NpgsqlCommand update = Command(connection, tx, SetPasswordHashSql, P(userId), P(passwordHash));
        await update.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Prunes the user's long-ended sessions, then inserts the new session and its first refresh token, in one round.</summary>
    public static async Task StartSessionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid sessionId, Guid userId, string device,
        byte[] tokenHash, DateTimeOffset now, DateTimeOffset expires, DateTimeOffset pruneBefore, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                Command(PruneSessionsSql, P(userId), P(pruneBefore)),
                Command(InsertSessionSql, P(sessionId), P(userId), P(device), P(now), P(expires)),
                Command(InsertRefreshTokenSql, P(tokenHash), P(sessionId), P(now)),
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Consumes a live refresh token; its session and user, or null when the token is unknown or already consumed.</summary>
    public static async Task<(Guid SessionId, Guid UserId, string Role, bool Disabled, bool Alive)?> ConsumeRefreshTokenAsync(NpgsqlConnection connection,
        NpgsqlTransaction tx, byte[] tokenHash, DateTimeOffset now, CancellationToken ct)
    {
        await using NpgsqlCommand consume = Command(connection, tx, ConsumeRefreshTokenSql, P(tokenHash), P(now));
        await using NpgsqlDataReader row = await consume.ExecuteReaderAsync(ct);
        return await row.ReadAsync(ct) ? (row.GetGuid(0), row.GetGuid(1), row.GetString(2), row.GetBoolean(3), row.GetBoolean(4)) : null;
    }

    /// <summary>Inserts the next refresh token and extends the session, in one round.</summary>
    public static async Task RotateAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid sessionId, byte[] nextHash, DateTimeOffset now,
        DateTimeOffset expires, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                Command(InsertRefreshTokenSql, P(nextHash), P(sessionId), P(now)),
                Command(ExtendSessionSql, P(sessionId), P(now), P(expires)),
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Ends the family of a replayed (already consumed) token; the session and user, or null when the token was not a replay.</summary>
    public static async Task<(Guid SessionId, Guid UserId)?> RevokeReusedFamilyAsync(NpgsqlConnection connection, NpgsqlTransaction tx, byte[] tokenHash,
        DateTimeOffset now, CancellationToken ct)
    {
        await using NpgsqlCommand revoke = Command(connection, tx, RevokeReusedFamilySql, P(tokenHash), P(now));
        await using NpgsqlDataReader row = await revoke.ExecuteReaderAsync(ct);
        return await row.ReadAsync(ct) ? (row.GetGuid(0), row.GetGuid(1)) : null;
    }

    public static async Task RevokeSessionAsync(NpgsqlDataSource db, Guid sessionId, Guid userId, DateTimeOffset now, CancellationToken ct)
    {
        await using NpgsqlCommand revoke = Command(db, RevokeSessionSql, P(sessionId), P(userId), P(now));
        await revoke.ExecuteNonQueryAsync(ct);
    }

    /// <summary>False when the session is not the user's (or does not exist).</summary>
    public static async Task<bool> RevokeOwnSessionAsync(NpgsqlDataSource db, Guid sessionId, Guid userId, DateTimeOffset now, CancellationToken ct)
    {
        await using NpgsqlCommand revoke = Command(db, RevokeOwnSessionSql, P(sessionId), P(userId), P(now));
        return await revoke.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>Ends every session of the user but <paramref name="keep"/>; returns how many.</summary>
    public static async Task<int> RevokeOtherSessionsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid userId, Guid? keep, DateTimeOffset now,
        CancellationToken ct)
    {
        await using NpgsqlCommand revoke = Command(connection, tx, RevokeOtherSessionsSql, P(userId), P(keep), P(now));
        return await revoke.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The signed-in user with their groups, in one round; null when the account is gone.</summary>
    public static async Task<MeResponse?> MeAsync(NpgsqlDataSource db, Guid userId, CancellationToken ct)
    {
        await using NpgsqlConnection connection = await db.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { Command(MeSql, P(userId)), Command(GroupsOfSql, P(userId)) },
        };
        await using NpgsqlDataReader row = await batch.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct)) return null;
        (Guid id, string? email, string? username, string role, DateTimeOffset createdAt) = (row.GetGuid(0),
            row.IsDBNull(1) ? null : row.GetString(1), row.IsDBNull(2) ? null : row.GetString(2), row.GetString(3), row.GetFieldValue<DateTimeOffset>(4));
        DateTimeOffset? verifiedAt = row.IsDBNull(5) ? null : row.GetFieldValue<DateTimeOffset>(5);
        await row.NextResultAsync(ct);
        var groups = new List<GroupRef>();
        while (await row.ReadAsync(ct)) groups.Add(new GroupRef(row.GetGuid(0), row.GetString(1)));
        return new MeResponse(id, email, username, role, groups, createdAt, verifiedAt is not null, verifiedAt);
    }

    /// <summary>Up to <paramref name="take"/> + 1 of the user's live sessions, newest first; <paramref name="current"/> is marked.</summary>
    public static async Task<List<SessionResponse>> ListSessionsAsync(NpgsqlDataSource db, Guid userId, Guid? current, DateTimeOffset now, Guid? after,
        int take, CancellationToken ct)
    {
        await using NpgsqlCommand list = Command(db, ListSessionsSql, P(userId), P(now), P(after), P(take + 1));
        var rows = new List<SessionResponse>(Math.Min(take + 1, 64));
        await using NpgsqlDataReader row = await list.ExecuteReaderAsync(ct);
        while (await row.ReadAsync(ct))
        {
            Guid id = row.GetGuid(0);
            rows.Add(new SessionResponse(id, row.GetString(1), row.GetFieldValue<DateTimeOffset>(2), row.GetFieldValue<DateTimeOffset>(3),
                row.GetFieldValue<DateTimeOffset>(4), id == current));
        }
        return rows;
    }

    public static async Task<string?> RoleOfUsernameAsync(NpgsqlConnection connection, string username, CancellationToken ct)
    {
        await using NpgsqlCommand find = Command(connection, null, RoleOfUsernameSql, P(username));
        return await find.ExecuteScalarAsync(ct) as string;
    }

    public static async Task InsertSuperuserAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, string username, string passwordHash,
        CancellationToken ct)
    {
        await using NpgsqlCommand insert = Command(connection, tx, InsertSuperuserSql, P(id), P(username), P(passwordHash));
        await insert.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlParameter<T> P<T>(T value) => new() { TypedValue = value };

    // A null Guid? carries no type of its own; Postgres needs to be told it is a uuid.
    private static NpgsqlParameter<Guid?> P(Guid? value) => new() { NpgsqlDbType = NpgsqlDbType.Uuid, TypedValue = value };

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlCommand Command(NpgsqlDataSource db, string sql, params NpgsqlParameter[] parameters)
    {
        NpgsqlCommand command = db.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }
}
