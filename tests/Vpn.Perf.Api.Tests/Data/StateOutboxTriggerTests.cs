using Npgsql;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Data;

public sealed class StateOutboxTriggerTests
{
    private const string Owner = "00000000-0000-7000-8000-000000000001";
    private const string Other = "00000000-0000-7000-8000-000000000002";
    private const string Group = "00000000-0000-7000-9000-000000000001";

    [Fact]
    public async Task Triggers_EnqueueExactlyTheSubscriptionsWhoseStateMayHaveChanged()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Triggers_EnqueueExactlyTheSubscriptionsWhoseStateMayHaveChanged));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await ExecAsync(db, $"""
            insert into users (id, email, password_hash, role) values ('{Owner}', 'a@x', 'h', 'customer'), ('{Other}', 'b@x', 'h', 'customer');
            insert into groups (id, name, max_traffic) values ('{Group}', 'g', 100);
            insert into subscriptions (id, owner_id, secret)
              select ('00000000-0000-7000-a000-' || lpad(i::text, 12, '0'))::uuid, case when i <= 3 then '{Owner}'::uuid else '{Other}'::uuid end, 's'
              from generate_series(1, 5) i;
            """);
        Assert.Equal(5, await DrainAsync(db)); // creation publishes

        await ExecAsync(db, "update subscriptions set title = 'renamed', is_over_limit = true"); // no state field
        Assert.Equal(0, await DrainAsync(db));

        await ExecAsync(db, "update subscriptions set is_suspended = true where owner_id = '" + Other + "'");
        Assert.Equal(2, await DrainAsync(db));

        await ExecAsync(db, $"insert into user_groups values ('{Owner}', '{Group}')"); // membership: the owner's three
        Assert.Equal(3, await DrainAsync(db));

        await ExecAsync(db, $"update groups set max_traffic = 200 where id = '{Group}'");
        Assert.Equal(3, await DrainAsync(db));
        await ExecAsync(db, $"update groups set name = 'renamed' where id = '{Group}'");
        Assert.Equal(0, await DrainAsync(db));

        await ExecAsync(db, $"delete from groups where id = '{Group}'"); // cascades to user_groups
        Assert.Equal(3, await DrainAsync(db));

        await ExecAsync(db, "delete from subscriptions where owner_id = '" + Other + "'");
        Assert.Equal(2, await DrainAsync(db));
    }

    private static async Task ExecAsync(NpgsqlDataSource db, string sql)
    {
        await using var cmd = db.CreateCommand(sql);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<int> DrainAsync(NpgsqlDataSource db)
    {
        await using var cmd = db.CreateCommand("with d as (delete from state_outbox returning 1) select count(*)::int from d");
        return (int)(await cmd.ExecuteScalarAsync())!;
    }
}
