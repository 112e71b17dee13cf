using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Hosting;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Billing.Lifecycle;

/// <summary>
/// <c>/api/v1/billing/subscriptions</c>: the billing status of subscriptions bought through plans. Customers read
/// theirs and cancel or resume auto-renew; staff read all and may do the same on a customer's behalf (audited).
/// </summary>
internal static class LifecycleEndpoints
{
    public static RouteGroupBuilder MapLifecycle(this IEndpointRouteBuilder app)
    {
        // Billing statuses carry the configUrl, a bearer secret: no cache may keep it.
        RouteGroupBuilder g = app.MapGroup("/api/v1/billing/subscriptions").WithTags("Billing").RequireAuthorization(Policies.SignedIn).NoStore().RequireScope(ApiScopes.BillingRead);
        g.MapGet("/", ListBillingStatus).WithName(nameof(ListBillingStatus))
            .WithSummary("Billing status of subscriptions bought through plans, newest first (?customer=&limit=&after=); customers see their own.");
        g.MapGet("/{id:guid}", GetBillingStatus).WithName(nameof(GetBillingStatus)).WithSummary("Billing status of one subscription.");
        g.MapPost("/{id:guid}/auto-renew/cancel", CancelAutoRenew).WithName(nameof(CancelAutoRenew)).RequireScope(ApiScopes.BillingWrite)
            .WithSummary("Stop renewing automatically; the paid period runs to its end.");
        g.MapPost("/{id:guid}/auto-renew/resume", ResumeAutoRenew).WithName(nameof(ResumeAutoRenew)).RequireScope(ApiScopes.BillingWrite).WithSummary("Renew automatically again.");
        return g;
    }

    private static async Task<Ok<Page<BillingStatusDto>>> ListBillingStatus(
        [FromQuery] Guid? customer, [FromQuery] int? limit, [FromQuery] Guid? after, ClaimsPrincipal user, HttpRequest http, NpgsqlDataSource db,
        ConfigLinks links, TimeProvider time, CancellationToken ct)
    {
        int take = Page<BillingStatusDto>.Limit(limit);
        List<BillingStatusDto> rows = await LifecycleStore.ListAsync(db, user.IsStaff() ? customer : user.UserId(), after, take, time.GetUtcNow(), links.PrefixFor(http), ct);
        return TypedResults.Ok(Page<BillingStatusDto>.From(rows, take, s => s.SubscriptionId));
    }

    private static async Task<Results<Ok<BillingStatusDto>, ProblemHttpResult>> GetBillingStatus(
        Guid id, ClaimsPrincipal user, HttpRequest http, NpgsqlDataSource db, ConfigLinks links, TimeProvider time, CancellationToken ct)
        => await LifecycleStore.GetAsync(db, id, Scope(user), time.GetUtcNow(), links.PrefixFor(http), ct) is { } status ? TypedResults.Ok(status) : Problem.NotFound("billed subscription", id);

    private static Task<Results<Ok<BillingStatusDto>, ProblemHttpResult>> CancelAutoRenew(
        Guid id, ClaimsPrincipal user, HttpRequest http, NpgsqlDataSource db, ConfigLinks links, TimeProvider time, CancellationToken ct)
        => SetAutoRenewAsync(id, false, user, db, links.PrefixFor(http), time, ct);

    private static Task<Results<Ok<BillingStatusDto>, ProblemHttpResult>> ResumeAutoRenew(
        Guid id, ClaimsPrincipal user, HttpRequest http, NpgsqlDataSource db, ConfigLinks links, TimeProvider time, CancellationToken ct)
        => SetAutoRenewAsync(id, true, user, db, links.PrefixFor(http), time, ct);

    private static async Task<Results<Ok<BillingStatusDto>, ProblemHttpResult>> SetAutoRenewAsync(
        Guid id, bool on, ClaimsPrincipal user, NpgsqlDataSource db, string linkPrefix, TimeProvider time, CancellationToken ct)
    {
        DateTimeOffset now = time.GetUtcNow();
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (!await LifecycleStore.SetAutoRenewAsync(conn, tx, id, Scope(user), on, now, ct)) return Problem.NotFound("billed subscription", id);
        await AuditStore.AddAsync(conn, tx, user.UserId(), on ? "subscription.auto_renew.resume" : "subscription.auto_renew.cancel",
            AuditStore.Target("subscription", id), null, ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok((await LifecycleStore.GetAsync(db, id, null, now, linkPrefix, ct))!);
    }

    private static Guid? Scope(ClaimsPrincipal user) => user.IsStaff() ? null : user.UserId();
}
