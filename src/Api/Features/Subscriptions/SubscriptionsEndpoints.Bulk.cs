using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.Subscriptions;

/// <summary>
/// Bulk operations on a filtered set: each is one set-based statement (<c>UPDATE/DELETE ... WHERE filter RETURNING id</c>)
/// plus one audit entry with the filter and the count, in one transaction. The outbox triggers queue every changed
/// subscription for publication within that same transaction. A reseller's filter covers only the subscriptions it
/// created (<c>all: true</c> means all of those).
/// </summary>
internal static partial class SubscriptionsEndpoints
{
    private const string BulkTarget = "subscription:*";

    private static void MapBulk(RouteGroupBuilder g)
    {
        g.MapPost("/bulk/extend", BulkExtend).WithName(nameof(BulkExtend))
            .WithSummary("Extend the expiry of the filtered subscriptions by an ISO 8601 duration or to an instant.").RequireAuthorization(Policies.Managers);
        g.MapPost("/bulk/suspend", BulkSuspend).WithName(nameof(BulkSuspend)).WithSummary("Suspend the filtered subscriptions.").RequireAuthorization(Policies.Managers);
        g.MapPost("/bulk/resume", BulkResume).WithName(nameof(BulkResume)).WithSummary("Resume the filtered subscriptions.").RequireAuthorization(Policies.Managers);
        g.MapPost("/bulk/reset-usage", BulkResetUsage).WithName(nameof(BulkResetUsage))
            .WithSummary("Reset the current usage of the filtered subscriptions and clear their over-limit flags.").RequireAuthorization(Policies.Managers);
        g.MapPost("/bulk/delete", BulkDelete).WithName(nameof(BulkDelete)).WithSummary("Delete the filtered subscriptions.").RequireAuthorization(Policies.Managers);
    }

    private static async Task<Results<Ok<BulkResult>, ValidationProblem>> BulkExtend(
        BulkExtendRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var errors = new FieldErrors();
        SubscriptionFilter filter = CheckFilter(request.Filter, request.All, errors);
        ResetPeriod by = default;
        if ((request.By is null) == (request.To is null)) errors.Add("by", "Give exactly one of by (an ISO 8601 duration such as P30D) and to (an instant).");
        else if (request.By is not null && !ResetPeriod.TryParse(request.By, out by, out string? error)) errors.Add("by", error);
        if (errors.Any) return errors.ToProblem();

        DateTimeOffset now = time.GetUtcNow();
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        int affected = request.By is not null
            ? await SubscriptionsStore.BulkExtendByAsync(conn, tx, filter, CallerScope.Of(user), now, by, ct)
            : await SubscriptionsStore.BulkExtendToAsync(conn, tx, filter, CallerScope.Of(user), now, request.To, ct);
        JsonObject meta = BulkMeta(filter, request.All, affected);
        meta["by"] = request.By;
        meta["to"] = request.To;
        await AuditStore.AddAsync(conn, tx, user.UserId(), "subscription.bulk.extend", BulkTarget, Meta(meta), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new BulkResult(affected));
    }

    private static Task<Results<Ok<BulkResult>, ValidationProblem>> BulkSuspend(
        BulkRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
        => BulkSetSuspendedAsync(request, true, user, db, time, ct);

    private static Task<Results<Ok<BulkResult>, ValidationProblem>> BulkResume(
        BulkRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
        => BulkSetSuspendedAsync(request, false, user, db, time, ct);

    private static async Task<Results<Ok<BulkResult>, ValidationProblem>> BulkSetSuspendedAsync(
        BulkRequest request, bool suspend, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var errors = new FieldErrors();
        SubscriptionFilter filter = CheckFilter(request.Filter, request.All, errors);
        if (errors.Any) return errors.ToProblem();
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        int affected = await SubscriptionsStore.BulkSetSuspendedAsync(conn, tx, filter, CallerScope.Of(user), time.GetUtcNow(), suspend, ct);
        await AuditStore.AddAsync(conn, tx, user.UserId(), suspend ? "subscription.bulk.suspend" : "subscription.bulk.resume", BulkTarget,
            Meta(BulkMeta(filter, request.All, affected)), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new BulkResult(affected));
    }

    private static async Task<Results<Ok<BulkResult>, ValidationProblem, ProblemHttpResult>> BulkResetUsage(
        BulkRequest request, ClaimsPrincipal user, NpgsqlDataSource db, LiveUsage usage, TimeProvider time, CancellationToken ct)
    {
        var errors = new FieldErrors();
        SubscriptionFilter filter = CheckFilter(request.Filter, request.All, errors);
        if (errors.Any) return errors.ToProblem();
        DateTimeOffset now = time.GetUtcNow();
        long nowMs = now.ToUnixTimeMilliseconds();
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        var keys = new List<UsageKey>();
        foreach (UsagePeriod period in await SubscriptionsStore.BulkResetUsageAsync(conn, tx, filter, CallerScope.Of(user), now, ct))
        {
            keys.Add(usage.KeyOf(period.Id, period.EffectivePeriod, period.Anchor, nowMs));
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "subscription.bulk.reset_usage", BulkTarget, Meta(BulkMeta(filter, request.All, keys.Count)), ct);
        try
        {
            // Before the commit, as for one subscription: a Redis failure leaves every flag and counter as it was.
            await usage.DeleteAsync(keys, ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            return Problem.Of(ProblemTypes.Unavailable, "Redis did not answer; no usage was reset.");
        }
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new BulkResult(keys.Count));
    }

    private static async Task<Results<Ok<BulkResult>, ValidationProblem>> BulkDelete(
        BulkRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var errors = new FieldErrors();
        SubscriptionFilter filter = CheckFilter(request.Filter, request.All, errors);
        if (errors.Any) return errors.ToProblem();
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        int affected = await SubscriptionsStore.BulkDeleteAsync(conn, tx, filter, CallerScope.Of(user), time.GetUtcNow(), ct);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "subscription.bulk.delete", BulkTarget, Meta(BulkMeta(filter, request.All, affected)), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new BulkResult(affected));
    }

    /// <summary>An empty filter would cover every subscription; that takes an explicit <c>all: true</c>.</summary>
    private static SubscriptionFilter CheckFilter(SubscriptionFilter? filter, bool all, FieldErrors errors)
    {
        filter ??= new SubscriptionFilter(null, null, null, null, null, null);
        if (filter.IsEmpty && !all) errors.Add("filter", "Give at least one criterion, or all: true to act on every subscription.");
        if (!filter.IsEmpty && all) errors.Add("all", "all: true covers every subscription; leave the filter empty or drop all.");
        errors.MaxLength("filter.q", filter.Q, MaxQuery);
        return filter;
    }

    private static JsonObject BulkMeta(SubscriptionFilter filter, bool all, int affected) => new()
    {
        ["filter"] = JsonSerializer.SerializeToNode(filter, SubscriptionsJsonContext.Default.SubscriptionFilter),
        ["all"] = all,
        ["count"] = affected,
    };
}
