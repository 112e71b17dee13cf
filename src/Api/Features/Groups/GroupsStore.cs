using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Groups;

/// <summary>Every statement on groups, run on the caller's connection and transaction.</summary>
internal static class GroupsStore
{
    private const string ColumnsSql = """
        g.id, g.name, g.max_traffic, g.max_speed, g.traffic_reset_period, g.created_at,
        (select count(*) from user_groups ug where ug.group_id = g.id)::int, g.device_limit
        """;

    private const string InsertSql = """
        insert into groups (id, name, max_traffic, max_speed, traffic_reset_period, device_limit) values ($1, $2, $3, $4, $5, $6)
        """;

    private const string GetSql = "select " + ColumnsSql + " from groups g where g.id = $1";

    /// <summary>$1 name prefix pattern, $2 cursor (exclusive), $3 limit + 1.</summary>
    private const string ListSql = "select " + ColumnsSql + """
         from groups g
        where ($1::text is null or g.name like $1)
          and ($2::uuid is null or g.id < $2)
        order by g.id desc
        limit $3
        """;

    private const string UpdateSql = """
        update groups set name = $2, max_traffic = $3, max_speed = $4, traffic_reset_period = $5, device_limit = $6 where id = $1
        """;

    private const string DeleteSql = "delete from groups where id = $1";

    public static async Task InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, GroupRequest request, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        Bind(cmd.Arg(id, NpgsqlDbType.Uuid), request);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static async Task<GroupDto?> GetAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(GetSql, conn, tx);
        await using NpgsqlDataReader reader = await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>Up to <paramref name="take"/> + 1 groups, newest first; <paramref name="name"/> is a prefix.</summary>
    public static async Task<List<GroupDto>> ListAsync(NpgsqlDataSource db, string? name, Guid? after, int take, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(ListSql)
            .Arg(SqlLike.Prefix(name), NpgsqlDbType.Text)
            .Arg(after, NpgsqlDbType.Uuid)
            .Arg(take + 1, NpgsqlDbType.Integer);
        var rows = new List<GroupDto>(take + 1);
        await using NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(Read(reader));
        return rows;
    }

    /// <summary>False when there is no such group.</summary>
    public static async Task<bool> UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, GroupRequest request, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(UpdateSql, conn, tx);
        Bind(cmd.Arg(id, NpgsqlDbType.Uuid), request);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>False when there is no such group.</summary>
    public static async Task<bool> DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(DeleteSql, conn, tx);
        return await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteNonQueryAsync(ct) > 0;
    }

    private static void Bind(NpgsqlCommand cmd, GroupRequest request) => cmd
        .Arg(request.Name!.Trim(), NpgsqlDbType.Text)
        .Arg(request.MaxTraffic, NpgsqlDbType.Bigint)
        .Arg(request.MaxSpeed, NpgsqlDbType.Bigint)
        .Arg(request.TrafficResetPeriod, NpgsqlDbType.Text)
        .Arg(request.DeviceLimit, NpgsqlDbType.Integer);

    private static GroupDto Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1),
        r.IsDBNull(2) ? null : r.GetInt64(2),
        r.IsDBNull(3) ? null : r.GetInt64(3),
        r.IsDBNull(4) ? null : r.GetString(4),
        r.GetFieldValue<DateTimeOffset>(5),
        r.GetInt32(6),
        r.IsDBNull(7) ? null : r.GetInt32(7));
}
