using Npgsql;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>
/// The single-use tokens of account mail (<c>account_tokens</c>, migration 0014): one live token per account and
/// purpose (the mail kind that carries it, <c>MailKinds</c>), kept as its SHA-256. Issuing replaces the account's
/// token of that purpose, so only the newest link works; using one deletes it, so it works once. A token works only
/// while the account's address is still the one it was mailed to.
/// </summary>
internal static partial class AuthStore
{
    /// <summary>
    /// Register's one statement: the customer and, when the address was new, its verification token. A taken address
    /// (in any case, index users_email_lower) inserts neither and returns no row; it is not an error.
    /// </summary>
    private const string RegisterSql = """
        with created as (
            insert into users (id, email, password_hash, role) values ($1, $2, $3, 'customer') on conflict do nothing returning id, email)
        insert into account_tokens (user_id, purpose, token_hash, email, created_at, expires_at)
        select id, $4, $5, email, $6, $7 from created
        returning email
        """;

    private const string UpsertTokenSql = """
        on conflict (user_id, purpose) do update
        set token_hash = excluded.token_hash, email = excluded.email, created_at = excluded.created_at, expires_at = excluded.expires_at
        returning email
        """;

    /// <summary>A token for the account $1, to its current address; no row when it has none.</summary>
    private const string IssueForUserSql = """
        insert into account_tokens (user_id, purpose, token_hash, email, created_at, expires_at)
        select id, $2, $3, email, $4, $5 from users where id = $1 and email is not null
        """ + "\n" + UpsertTokenSql;

    /// <summary>A token for the enabled account with the address $1 (lower-case, index users_email_lower); no row when there is none.</summary>
    private const string IssueForEmailSql = """
        insert into account_tokens (user_id, purpose, token_hash, email, created_at, expires_at)
        select id, $2, $3, email, $4, $5 from users where lower(email) = $1 and not disabled
        """ + "\n" + UpsertTokenSql;

    private const string TokenLiveSql = "select exists (select 1 from account_tokens where token_hash = $1 and purpose = $2 and expires_at > $3)";

    /// <summary>Uses a verification token ($1 hash, $2 now): the account's address is verified from now on (or since it first was).</summary>
    private const string VerifyEmailSql = """
        with used as (delete from account_tokens where token_hash = $1 and purpose = $3 and expires_at > $2 returning user_id, email)
        update users u set email_verified_at = coalesce(u.email_verified_at, $2)
        from used where u.id = used.user_id and u.email = used.email
        returning u.id
        """;

    /// <summary>
    /// Uses a reset token ($1 hash, $2 now) and sets the password hash $3. The reset link reached the address, so the
    /// address counts as verified too. A disabled account's token is used up and changes nothing.
    /// </summary>
    private const string ResetPasswordSql = """
        with used as (delete from account_tokens where token_hash = $1 and purpose = $4 and expires_at > $2 returning user_id, email)
        update users u set password_hash = $3, email_verified_at = coalesce(u.email_verified_at, $2)
        from used where u.id = used.user_id and u.email = used.email and not u.disabled
        returning u.id, u.email
        """;

    private const string EmailStateSql = "select email, email_verified_at from users where id = $1";

    /// <summary>
    /// Inserts the customer and its email-verification token in one statement; the address when the account was
    /// created, null when the address was taken (nothing changed).
    /// </summary>
    public static async Task<string?> RegisterAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, string email, string passwordHash,
        string purpose, byte[] tokenHash, DateTimeOffset now, DateTimeOffset expires, CancellationToken ct)
    {
        await using NpgsqlCommand insert = Command(connection, tx, RegisterSql, P(id), P(email), P(passwordHash), P(purpose), P(tokenHash), P(now), P(expires));
        return await insert.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Issues the account's token of <paramref name="purpose"/>, replacing its older one; the address to mail it to, or null when the account has none.</summary>
    public static async Task<string?> IssueTokenForUserAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid userId, string purpose, byte[] tokenHash,
        DateTimeOffset now, DateTimeOffset expires, CancellationToken ct)
    {
        await using NpgsqlCommand issue = Command(connection, tx, IssueForUserSql, P(userId), P(purpose), P(tokenHash), P(now), P(expires));
        return await issue.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Issues a token for the enabled account with this lower-case address; the address as stored, or null when there is no such account.</summary>
    public static async Task<string?> IssueTokenForEmailAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string email, string purpose, byte[] tokenHash,
        DateTimeOffset now, DateTimeOffset expires, CancellationToken ct)
    {
        await using NpgsqlCommand issue = Command(connection, tx, IssueForEmailSql, P(email), P(purpose), P(tokenHash), P(now), P(expires));
        return await issue.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Whether a token of <paramref name="purpose"/> with this hash is live now (a read: nothing is used).</summary>
    public static async Task<bool> TokenLiveAsync(NpgsqlDataSource db, byte[] tokenHash, string purpose, DateTimeOffset now, CancellationToken ct)
    {
        await using NpgsqlCommand read = Command(db, TokenLiveSql, P(tokenHash), P(purpose), P(now));
        return await read.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>Uses a live verification token; the account verified, or null when the token is unknown, expired, used or for an old address.</summary>
    public static async Task<Guid?> VerifyEmailAsync(NpgsqlDataSource db, byte[] tokenHash, string purpose, DateTimeOffset now, CancellationToken ct)
    {
        await using NpgsqlCommand verify = Command(db, VerifyEmailSql, P(tokenHash), P(now), P(purpose));
        return await verify.ExecuteScalarAsync(ct) is Guid id ? id : null;
    }

    /// <summary>Uses a live reset token and sets the password; the account and its address, or null when the token does not work.</summary>
    public static async Task<(Guid Id, string Email)?> ResetPasswordAsync(NpgsqlConnection connection, NpgsqlTransaction tx, byte[] tokenHash, string purpose,
        string passwordHash, DateTimeOffset now, CancellationToken ct)
    {
        await using NpgsqlCommand reset = Command(connection, tx, ResetPasswordSql, P(tokenHash), P(now), P(passwordHash), P(purpose));
        await using NpgsqlDataReader row = await reset.ExecuteReaderAsync(ct);
        return await row.ReadAsync(ct) ? (row.GetGuid(0), row.GetString(1)) : null;
    }

    /// <summary>The account's address and when it was verified; null when the account is gone.</summary>
    public static async Task<(string? Email, DateTimeOffset? VerifiedAt)?> EmailStateAsync(NpgsqlDataSource db, Guid userId, CancellationToken ct)
    {
        await using NpgsqlCommand read = Command(db, EmailStateSql, P(userId));
        await using NpgsqlDataReader row = await read.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct)) return null;
        return (row.IsDBNull(0) ? null : row.GetString(0), row.IsDBNull(1) ? null : row.GetFieldValue<DateTimeOffset>(1));
    }
}
