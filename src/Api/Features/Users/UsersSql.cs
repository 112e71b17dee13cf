namespace Vpn.Perf.Api.Features.Users;

internal static class UsersSql
{
    private const string Columns = """
        u.id, u.email, u.username, u.role, u.disabled, u.created_at,
        array(select ug.group_id from user_groups ug where ug.user_id = u.id order by ug.group_id)
        """;

    public const string Insert = """
        insert into users (id, email, username, password_hash, role) values ($1, $2, $3, $4, $5)
        """;

    public const string Get = "select " + Columns + " from users u where u.id = $1";

    /// <summary>$1 role, $2 disabled, $3 email prefix pattern (lower-case), $4 username prefix pattern, $5 cursor, $6 limit + 1.</summary>
    public const string List = "select " + Columns + """
         from users u
        where ($1::text is null or u.role = $1)
          and ($2::boolean is null or u.disabled = $2)
          and ($3::text is null or u.email like $3 or u.username like $4)
          and ($5::uuid is null or u.id < $5)
        order by u.id desc
        limit $6
        """;

    /// <summary>Locks the target so the role rules are checked against the role the change applies to.</summary>
    public const string LockRole = "select role from users where id = $1 for update";

    public const string Update = """
        update users
           set email = coalesce($2, email), username = coalesce($3, username), role = coalesce($4, role),
               password_hash = coalesce($5, password_hash), disabled = coalesce($6, disabled)
         where id = $1
        """;

    public const string Delete = "delete from users where id = $1";

    public const string GroupExists = "select exists (select 1 from groups where id = $1)";

    public const string AddMembership = "insert into user_groups (user_id, group_id) values ($1, $2) on conflict do nothing";

    public const string RemoveMembership = "delete from user_groups where user_id = $1 and group_id = $2";
}
