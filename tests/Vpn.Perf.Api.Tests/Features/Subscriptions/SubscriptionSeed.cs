using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.AdminTestKit;

namespace Vpn.Perf.Api.Tests.Features.Subscriptions;

/// <summary>Subscriptions inserted straight into Postgres for arranging list, bulk and isolation tests.</summary>
internal static class SubscriptionSeed
{
    public static async Task<Guid> InsertAsync(ApiFactory api, Guid owner, string title = "", bool suspended = false, bool overLimit = false,
        DateTimeOffset? expiresAt = null, string? period = null, DateTimeOffset? anchor = null)
    {
        Guid id = Ids.NewId();
        await ExecAsync(api, """
            insert into subscriptions (id, owner_id, secret, title, is_suspended, is_over_limit, expires_at, traffic_reset_period, reset_anchor)
            values ($1, $2, 's', $3, $4, $5, $6, $7, $8)
            """,
            id, owner, title, suspended, overLimit, (object?)expiresAt?.ToUniversalTime() ?? DBNull.Value, (object?)period ?? DBNull.Value,
            (object?)anchor?.ToUniversalTime() ?? DBNull.Value);
        return id;
    }
}
