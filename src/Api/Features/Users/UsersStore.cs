using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Users;

/// <summary>Every statement on users and their memberships, run on the caller's connection and transaction.</summary>
internal static class UsersStore
{
    private const string ColumnsSql = """
        u.id, u.email, u.username, u.role, u.disabled, u.created_at,
        array(select ug.group_id from user_groups ug where ug.user_id = u.id order by ug.group_id), u.email_verified_at
        """;

    private const string InsertSql = """
        insert into users (id, email, username, password_hash, role) values ($1, $2, $3, $4, $5)
        """;

    private const string GetSql = "select " + ColumnsSql + " from users u where u.id = $1";

    /// <summary>$1 role, $2 disabled, $3 email prefix pattern (lower-case), $4 username prefix pattern, $5 cursor, $6 limit + 1.</summary>
    private const string ListSql = "select " + ColumnsSql + """
         from users u
        where ($1::text is null or u.role = $1)
          and ($2::boolean is null or u.disabled = $2)
          and ($3::text is null or u.email like $3 or u.username like $4)
          and ($5::uuid is null or u.id < $5)
        order by u.id desc
        limit $6
        """;

    /// <summary>Locks the target so the role rules are checked against the role the change applies to.</summary>
    private const string LockRoleSql = "select role from users where id = $1 for update";

    /// <summary>A new address is not verified: the verification of the old one does not carry over (nor do its mailed tokens, 0014).</summary>
    private const string UpdateSql = """
        update users
           set email = coalesce($2, email), username = coalesce($3, username), role = coalesce($4, role),
               password_hash = coalesce($5, password_hash), disabled = coalesce($6, disabled),
               email_verified_at = case when $2 is null or $2 = email then email_verified_at end
         where id = $1
        """;

    private const string DeleteSql = "delete from users where id = $1";

    private const string GroupExistsSql = "select exists (select 1 from groups where id = $1)";

    private const string AddMembershipSql = "insert into user_groups (user_id, group_id) values ($1, $2) on conflict do nothing";

    private const string RemoveMembershipSql = "delete from user_groups where user_id = $1 and group_id = $2";

    public static async Task InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, string? email, string? username, string passwordHash, string role,
        CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(email, NpgsqlDbType.Text).Arg(username, NpgsqlDbType.Text)
            .Arg(passwordHash, NpgsqlDbType.Text).Arg(role, NpgsqlDbType.Text).ExecuteNonQueryAsync(ct);
    }

    public static async Task<UserDto?> GetAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(GetSql, conn, tx);
        await using NpgsqlDataReader reader = await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>Up to <paramref name="take"/> + 1 users, newest first; <paramref name="q"/> is a prefix of the email or the username.</summary>
    public static async Task<List<UserDto>> ListAsync(NpgsqlDataSource db, string? role, bool? disabled, string? q, Guid? after, int take, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(ListSql)
            .Arg(role, NpgsqlDbType.Text)
            .Arg(disabled, NpgsqlDbType.Boolean)
            .Arg(SqlLike.Prefix(q?.ToLowerInvariant()), NpgsqlDbType.Text) // emails are stored lower-case
            .Arg(SqlLike.Prefix(q), NpgsqlDbType.Text)
            .Arg(after, NpgsqlDbType.Uuid)
            .Arg(take + 1, NpgsqlDbType.Integer);
        var rows = new List<UserDto>(take + 1);
        await using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(Read(reader));
        return rows;
    }

    /// <summary>The user's role, locked for the transaction; null when there is no such user.</summary>
    public static async Task<string?> LockRoleAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(LockRoleSql, conn, tx);
        return await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Changes the fields that are not null.</summary>
    public static async Task UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, string? email, string? username, string? role,
        string? passwordHash, bool? disabled, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(UpdateSql, conn, tx);
        await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(email, NpgsqlDbType.Text).Arg(username, NpgsqlDbType.Text)
            .Arg(role, NpgsqlDbType.Text).Arg(passwordHash, NpgsqlDbType.Text).Arg(disabled, NpgsqlDbType.Boolean)
            .ExecuteNonQueryAsync(ct);
    }

    public static async Task DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(DeleteSql, conn, tx);
        await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteNonQueryAsync(ct);
    }

    public static async Task<bool> GroupExistsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid groupId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(GroupExistsSql, conn, tx);
        return await cmd.Arg(groupId, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct) is true;
    }

    /// <summary>False when the user already was a member.</summary>
    public static async Task<bool> AddMembershipAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid groupId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(AddMembershipSql, conn, tx);
        return await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(groupId, NpgsqlDbType.Uuid).ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>False when the user was not a member.</summary>
    public static async Task<bool> RemoveMembershipAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid groupId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(RemoveMembershipSql, conn, tx);
        return await cmd.Arg(id, NpgsqlDbType.Uuid).Arg(groupId, NpgsqlDbType.Uuid).ExecuteNonQueryAsync(ct) > 0;
    }

    private static UserDto Read(NpgsqlDataReader r) => new(
        r.GetGuid(0),
        r.IsDBNull(1) ? null : r.GetString(1),
        r.IsDBNull(2) ? null : r.GetString(2),
        r.GetString(3), r.GetBoolean(4), r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<Guid[]>(6),
        !r.IsDBNull(7), r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7));
}
