namespace Vpn.Perf.Api.Features.Auth;

internal static class AuthSql
{
    // Emails are matched through the users_email_lower index (0004), so an address stored with capitals by an
    // older path still signs in with its normalised form.
    public const string FindByEmail = "select id, password_hash, role, disabled from users where lower(email) = $1";

    public const string FindByUsername = "select id, password_hash, role, disabled from users where username = $1";

    public const string PasswordHashOf = "select password_hash from users where id = $1";

    public const string SetPasswordHash = "update users set password_hash = $2 where id = $1";

    /// <summary>A taken address (in any case, index users_email_lower) inserts nothing and is not an error.</summary>
    public const string InsertCustomer = "insert into users (id, email, password_hash, role) values ($1, $2, $3, 'customer') on conflict do nothing";

    public const string InsertSession = """
        insert into auth_sessions (id, user_id, device, created_at, last_used_at, expires_at)
        values ($1, $2, $3, $4, $4, $5)
        """;

    public const string InsertRefreshToken = "insert into refresh_tokens (token_hash, session_id, issued_at) values ($1, $2, $3)";

    /// <summary>A user's sessions that ended more than one refresh lifetime ago; their tokens go with them (cascade).</summary>
    public const string PruneSessions = "delete from auth_sessions where user_id = $1 and (revoked_at < $2 or expires_at < $2)";

    /// <summary>
    /// Consumes a live token. Under READ COMMITTED a second transaction presenting the same token waits for the first
    /// one's row lock and then re-checks <c>consumed_at is null</c>, so exactly one of two racing refreshes gets a row.
    /// </summary>
    public const string ConsumeRefreshToken = """
        update refresh_tokens t set consumed_at = $2
        from auth_sessions s join users u on u.id = s.user_id
        where t.token_hash = $1 and t.consumed_at is null and s.id = t.session_id
        returning s.id, s.user_id, u.role, u.disabled, s.revoked_at is null and s.expires_at > $2
        """;

    /// <summary>A token that was already consumed is being replayed: end its whole family.</summary>
    public const string RevokeReusedFamily = """
        update auth_sessions s set revoked_at = $2
        from refresh_tokens t
        where t.token_hash = $1 and t.consumed_at is not null and s.id = t.session_id and s.revoked_at is null
        returning s.id, s.user_id
        """;

    public const string ExtendSession = "update auth_sessions set last_used_at = $2, expires_at = $3 where id = $1";

    public const string RevokeSession = "update auth_sessions set revoked_at = $3 where id = $1 and user_id = $2 and revoked_at is null";

    /// <summary>Revokes one of the caller's own sessions; no row means it is not theirs (or does not exist).</summary>
    public const string RevokeOwnSession = "update auth_sessions set revoked_at = coalesce(revoked_at, $3) where id = $1 and user_id = $2 returning id";

    public const string RevokeOtherSessions = "update auth_sessions set revoked_at = $3 where user_id = $1 and id is distinct from $2 and revoked_at is null";

    public const string Me = "select id, email, username, role, created_at from users where id = $1";

    public const string GroupsOf = """
        select g.id, g.name from user_groups ug join groups g on g.id = ug.group_id
        where ug.user_id = $1 order by g.name
        """;

    public const string ListSessions = """
        select id, device, created_at, last_used_at, expires_at from auth_sessions
        where user_id = $1 and revoked_at is null and expires_at > $2 and ($3::uuid is null or id < $3)
        order by id desc limit $4
        """;

    public const string RoleOfUsername = "select role from users where username = $1";

    public const string InsertSuperuser = "insert into users (id, username, password_hash, role) values ($1, $2, $3, 'superuser')";
}
