using Npgsql;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Data;

public sealed class EffectiveLimitsTests
{
    [Fact]
    public async Task SubscriptionLimits_OwnValuesWinThenGroupMaximumWithNullAsUnlimited()
    {
        await using var api = await ApiFactory.StartAsync(nameof(SubscriptionLimits_OwnValuesWinThenGroupMaximumWithNullAsUnlimited));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using (var cmd = db.CreateCommand("""
            insert into users (id, email, password_hash, role) values
              ('00000000-0000-7000-8000-000000000001', 'a@x', 'h', 'customer'),
              ('00000000-0000-7000-8000-000000000002', 'b@x', 'h', 'customer'),
              ('00000000-0000-7000-8000-000000000003', 'c@x', 'h', 'customer');
            insert into groups (id, name, max_traffic, max_speed, traffic_reset_period) values
              ('00000000-0000-7000-9000-000000000001', 'small', 100, 10, 'P30D'),
              ('00000000-0000-7000-9000-000000000002', 'big', 500, null, 'P1Y');
            insert into user_groups values
              ('00000000-0000-7000-8000-000000000001', '00000000-0000-7000-9000-000000000001'),
              ('00000000-0000-7000-8000-000000000001', '00000000-0000-7000-9000-000000000002'),
              ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-9000-000000000001');
            insert into subscriptions (id, owner_id, secret, max_traffic, max_speed, traffic_reset_period) values
              ('00000000-0000-7000-a000-000000000001', '00000000-0000-7000-8000-000000000001', 's', null, null, null),
              ('00000000-0000-7000-a000-000000000002', '00000000-0000-7000-8000-000000000001', 's', 7, 3, 'P1D'),
              ('00000000-0000-7000-a000-000000000003', '00000000-0000-7000-8000-000000000002', 's', null, null, null),
              ('00000000-0000-7000-a000-000000000004', '00000000-0000-7000-8000-000000000003', 's', null, null, null);
            """))
        {
            await cmd.ExecuteNonQueryAsync();
        }

        var rows = new Dictionary<char, (long?, long?, string?)>();
        await using (var cmd = db.CreateCommand("select subscription_id, max_traffic, max_speed, traffic_reset_period from subscription_limits"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                rows[r.GetGuid(0).ToString()[^1]] = (r.IsDBNull(1) ? null : r.GetInt64(1), r.IsDBNull(2) ? null : r.GetInt64(2), r.IsDBNull(3) ? null : r.GetString(3));
            }
        }

        Assert.Equal((500L, (long?)null, "P1Y"), rows['1']);  // two groups: maximum each, null speed wins
        Assert.Equal((7L, 3L, "P1D"), rows['2']);             // own values override the groups
        Assert.Equal((100L, 10L, "P30D"), rows['3']);          // one group
        Assert.Equal(((long?)null, (long?)null, (string?)null), rows['4']); // no group: unrestricted
    }

    [Fact]
    public async Task SubscriptionLimits_DeviceLimit_OwnWinsWithZeroUnlimitedThenGroupMaximumWithNullOrZeroUnlimited()
    {
        await using var api = await ApiFactory.StartAsync(nameof(SubscriptionLimits_DeviceLimit_OwnWinsWithZeroUnlimitedThenGroupMaximumWithNullOrZeroUnlimited));
        await using NpgsqlDataSource db = api.OpenDataSource();
        await using (var cmd = db.CreateCommand("""
            insert into users (id, email, password_hash, role) values
              ('00000000-0000-7000-8000-000000000001', 'a@x', 'h', 'customer'),
              ('00000000-0000-7000-8000-000000000002', 'b@x', 'h', 'customer'),
              ('00000000-0000-7000-8000-000000000003', 'c@x', 'h', 'customer');
            insert into groups (id, name, device_limit) values
              ('00000000-0000-7000-9000-000000000001', 'two', 2),
              ('00000000-0000-7000-9000-000000000002', 'five', 5),
              ('00000000-0000-7000-9000-000000000003', 'unlimited', 0);
            insert into user_groups values
              ('00000000-0000-7000-8000-000000000001', '00000000-0000-7000-9000-000000000001'),
              ('00000000-0000-7000-8000-000000000001', '00000000-0000-7000-9000-000000000002'),
              ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-9000-000000000001'),
              ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-9000-000000000003');
            insert into subscriptions (id, owner_id, secret, device_limit) values
              ('00000000-0000-7000-a000-000000000001', '00000000-0000-7000-8000-000000000001', 's', null),
              ('00000000-0000-7000-a000-000000000002', '00000000-0000-7000-8000-000000000001', 's', 1),
              ('00000000-0000-7000-a000-000000000003', '00000000-0000-7000-8000-000000000001', 's', 0),
              ('00000000-0000-7000-a000-000000000004', '00000000-0000-7000-8000-000000000002', 's', null),
              ('00000000-0000-7000-a000-000000000005', '00000000-0000-7000-8000-000000000003', 's', null);
            """))
        {
            await cmd.ExecuteNonQueryAsync();
        }

        var rows = new Dictionary<char, int?>();
        await using (var cmd = db.CreateCommand("select subscription_id, device_limit from subscription_limits"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync()) rows[r.GetGuid(0).ToString()[^1]] = r.IsDBNull(1) ? null : r.GetInt32(1);
        }

        Assert.Equal(5, rows['1']);    // two groups: the maximum
        Assert.Equal(1, rows['2']);    // own value overrides the groups
        Assert.Null(rows['3']);        // own 0: unlimited, whatever the groups say
        Assert.Null(rows['4']);        // a group with 0 makes it unlimited
        Assert.Null(rows['5']);        // no group: unrestricted
    }
}
