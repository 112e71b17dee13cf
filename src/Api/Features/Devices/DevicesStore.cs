using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Devices;

/// <summary>Every statement on devices: the race-free registration of the config path, the batched last-seen write, and the lists and removals.</summary>
internal static class DevicesStore
{
    /// <summary>
    /// Advisory lock class of registrations (the two-key form: its own key space, apart from the one-key locks of
    /// the migrator and the reconciler); the second key is the subscription's hash. A collision only serialises two
    /// subscriptions' registrations.
    /// </summary>
    private const int RegistrationLockClass = 1315;

    /// <summary>$1 class, $2 subscription: held to the end of the batch's implicit transaction.</summary>
    private const string LockSql = "select pg_advisory_xact_lock($1, hashtext($2::text))";

    /// <summary>
    /// $1 id, $2 subscription, $3 hwid, $4 model, $5 os, $6 os version, $7 user agent, $8 now, $9 the cap without a
    /// limit. Runs after the lock, in a snapshot taken after it: every registration committed before is counted.
    /// </summary>
    private const string InsertSql = """
        insert into devices (id, subscription_id, hwid, model, os, os_version, user_agent, first_seen, last_seen)
        select $1, $2, $3, $4, $5, $6, $7, $8, $8
         where (select count(*) from devices where subscription_id = $2)
               < coalesce((select device_limit from subscription_limits where subscription_id = $2), $9)
        on conflict (subscription_id, hwid) do nothing
        returning true
        """;

    /// <summary>Why nothing was inserted: $1 subscription, $2 hwid. No row = the subscription is gone.</summary>
    private const string WhySql = """
        select exists (select 1 from devices where subscription_id = $1 and hwid = $2), l.device_limit
          from subscription_limits l where l.subscription_id = $1
        """;

    /// <summary>$1 subscriptions, $2 hwids, $3 times: only forward (another instance may have written a later time).</summary>
    private const string TouchSql = """
        update devices d set last_seen = v.seen
          from unnest($1::uuid[], $2::text[], $3::timestamptz[]) as v (subscription_id, hwid, seen)
         where d.subscription_id = v.subscription_id and d.hwid = v.hwid and d.last_seen < v.seen
        """;

    private const string ColumnsSql = "d.id, d.subscription_id, d.hwid, d.model, d.os, d.os_version, d.user_agent, d.first_seen, d.last_seen";

    /// <summary>$1 owner, $2 cursor (exclusive), $3 limit + 1: the devices of every subscription the user owns.</summary>
    private const string ListOwnSql = "select " + ColumnsSql + """
         from devices d join subscriptions s on s.id = d.subscription_id
        where s.owner_id = $1 and ($2::uuid is null or d.id < $2)
        order by d.id desc
        limit $3
        """;

    /// <summary>$1 subscription, $2 cursor (exclusive), $3 limit + 1.</summary>
    private const string ListSql = "select " + ColumnsSql + """
         from devices d
        where d.subscription_id = $1 and ($2::uuid is null or d.id < $2)
        order by d.id desc
        limit $3
        """;

    /// <summary>$1 device, $2 owner: someone else's device is not deleted, and reads as absent.</summary>
    private const string DeleteOwnSql = """
        delete from devices d using subscriptions s
         where d.id = $1 and s.id = d.subscription_id and s.owner_id = $2
        returning d.subscription_id, d.hwid
        """;

    /// <summary>$1 subscription, $2 device.</summary>
    private const string DeleteSql = "delete from devices where subscription_id = $1 and id = $2 returning hwid";

    private const string ResetSql = "delete from devices where subscription_id = $1";

    private const string SubscriptionExistsSql = "select exists (select 1 from subscriptions where id = $1)";

    /// <summary>
    /// Registers <paramref name="hwid"/> on the subscription if a slot is free, in one round trip: the lock, the
    /// insert and, when nothing was inserted, the reason. Two new HWIDs at once with one slot free register exactly
    /// one: the second waits for the lock and then counts the first.
    /// </summary>
    public static async Task<DeviceRegistration> RegisterAsync(NpgsqlDataSource db, Guid subscriptionId, string hwid, DeviceInfo info, DateTimeOffset now,
        int maxTracked, CancellationToken ct)
    {
        await using NpgsqlBatch batch = db.CreateBatch();
        batch.BatchCommands.Add(Command(LockSql, new NpgsqlParameter<int> { TypedValue = RegistrationLockClass }, Uuid(subscriptionId)));
        batch.BatchCommands.Add(Command(InsertSql, Uuid(Ids.NewId()), Uuid(subscriptionId), Text(hwid), Text(info.Model), Text(info.Os),
            Text(info.OsVersion), Text(info.UserAgent), new NpgsqlParameter<DateTimeOffset> { TypedValue = now },
            new NpgsqlParameter<int> { TypedValue = maxTracked }));
        batch.BatchCommands.Add(Command(WhySql, Uuid(subscriptionId), Text(hwid)));
        try
        {
            await using NpgsqlDataReader r = await batch.ExecuteReaderAsync(ct);
            await r.NextResultAsync(ct);
            if (await r.ReadAsync(ct)) return DeviceRegistration.Registered;
            await r.NextResultAsync(ct);
            if (!await r.ReadAsync(ct)) return DeviceRegistration.Gone;
            if (r.GetBoolean(0)) return DeviceRegistration.Known;
            return r.IsDBNull(1) ? DeviceRegistration.Untracked : DeviceRegistration.Full;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return DeviceRegistration.Gone;
        }
    }

    /// <summary>Moves each device's last_seen forward to the queued time, in one statement.</summary>
    public static async Task<int> TouchAsync(NpgsqlDataSource db, Guid[] subscriptions, string[] hwids, DateTimeOffset[] seen, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(TouchSql);
        cmd.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = subscriptions });
        cmd.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = hwids });
        cmd.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = seen });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Up to <paramref name="take"/> + 1 devices of the user's subscriptions, newest first.</summary>
    public static Task<List<DeviceDto>> ListOwnAsync(NpgsqlDataSource db, Guid owner, Guid? after, int take, CancellationToken ct)
        => ListAsync(db, ListOwnSql, owner, after, take, ct);

    /// <summary>Up to <paramref name="take"/> + 1 devices of the subscription, newest first.</summary>
    public static Task<List<DeviceDto>> ListAsync(NpgsqlDataSource db, Guid subscriptionId, Guid? after, int take, CancellationToken ct)
        => ListAsync(db, ListSql, subscriptionId, after, take, ct);

    /// <summary>The removed device's subscription, or null when the device is absent or not the owner's.</summary>
    public static async Task<Guid?> DeleteOwnAsync(NpgsqlDataSource db, Guid deviceId, Guid owner, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(DeleteOwnSql).Arg(deviceId, NpgsqlDbType.Uuid).Arg(owner, NpgsqlDbType.Uuid);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? r.GetGuid(0) : null;
    }

    /// <summary>The removed device's HWID, or null when the subscription has no such device.</summary>
    public static async Task<string?> DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid subscriptionId, Guid deviceId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(DeleteSql, conn, tx);
        return await cmd.Arg(subscriptionId, NpgsqlDbType.Uuid).Arg(deviceId, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Removes every device of the subscription; the count removed.</summary>
    public static async Task<int> ResetAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid subscriptionId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(ResetSql, conn, tx);
        return await cmd.Arg(subscriptionId, NpgsqlDbType.Uuid).ExecuteNonQueryAsync(ct);
    }

    public static async Task<bool> SubscriptionExistsAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid subscriptionId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(SubscriptionExistsSql, conn, tx);
        return await cmd.Arg(subscriptionId, NpgsqlDbType.Uuid).ExecuteScalarAsync(ct) is true;
    }

    private static async Task<List<DeviceDto>> ListAsync(NpgsqlDataSource db, string sql, Guid key, Guid? after, int take, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(sql).Arg(key, NpgsqlDbType.Uuid).Arg(after, NpgsqlDbType.Uuid).Arg(take + 1, NpgsqlDbType.Integer);
        var rows = new List<DeviceDto>(take + 1);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new DeviceDto(r.GetGuid(0), r.GetGuid(1), r.GetString(2), Nullable(r, 3), Nullable(r, 4), Nullable(r, 5), Nullable(r, 6),
                r.GetFieldValue<DateTimeOffset>(7), r.GetFieldValue<DateTimeOffset>(8)));
        }
        return rows;
    }

    private static string? Nullable(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<Guid> Uuid(Guid value) => new() { TypedValue = value };

    private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };
}
