using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Resellers;

/// <summary>
/// Reseller quotas (<c>/api/v1/resellers/{id}/quota</c>, docs/api-accounts.md "Roles"): superusers set them (audited);
/// staff and support read any reseller's quota with its current consumption, a reseller its own (another's answers
/// 404, like a missing one).
/// </summary>
internal static class ResellersEndpoints
{
    /// <summary>Bounds the allowed lists; a reseller that needs more sells through a plan of many inbounds.</summary>
    private const int MaxAllowed = 1000;

    public static RouteGroupBuilder MapResellers(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/resellers").WithTags("Resellers").RequireAuthorization(Policies.Viewers).RequireScope(ApiScopes.UsersWrite);
        g.MapGet("/{id:guid}/quota", GetResellerQuota).WithName(nameof(GetResellerQuota)).RequireScope(ApiScopes.UsersRead)
            .WithSummary("A reseller's quota with its current consumption; a reseller reads its own.");
        g.MapPut("/{id:guid}/quota", PutResellerQuota).WithName(nameof(PutResellerQuota)).RequireAuthorization(Policies.Superuser)
            .WithSummary("Set a reseller's whole quota: max subscriptions, max total traffic, allowed plans and inbounds (audited).");
        return g;
    }

    private static async Task<Results<Ok<ResellerQuotaResponse>, ProblemHttpResult>> GetResellerQuota(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        return await ResellersStore.GetAsync(conn, null, id, CallerScope.ResellerOf(user), ct) is { } quota
            ? TypedResults.Ok(quota)
            : Problem.NotFound("reseller", id);
    }

    private static async Task<Results<Ok<ResellerQuotaResponse>, ValidationProblem, ProblemHttpResult>> PutResellerQuota(
        Guid id, ResellerQuotaRequest request, ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var errors = new FieldErrors();
        if (request.MaxSubscriptions is null) errors.Add("maxSubscriptions", "Required: how many subscriptions the reseller may have.");
        if (request.MaxTotalTraffic is null) errors.Add("maxTotalTraffic", "Required: the bytes of traffic limits the reseller may give out in total.");
        if (request.AllowedPlans is null) errors.Add("allowedPlans", "Required: the plan ids the reseller may sell (may be empty).");
        if (request.AllowedInbounds is null) errors.Add("allowedInbounds", "Required: the inbound ids the reseller may link (may be empty).");
        errors.NonNegative("maxSubscriptions", request.MaxSubscriptions);
        errors.NonNegative("maxTotalTraffic", request.MaxTotalTraffic);
        if (request.AllowedPlans?.Length > MaxAllowed) errors.Add("allowedPlans", $"{request.AllowedPlans.Length} plans given; the limit is {MaxAllowed}.");
        if (request.AllowedInbounds?.Length > MaxAllowed) errors.Add("allowedInbounds", $"{request.AllowedInbounds.Length} inbounds given; the limit is {MaxAllowed}.");
        if (errors.Any) return errors.ToProblem();
        ResellerQuotaRequest quota = request with { AllowedPlans = [.. request.AllowedPlans!.Distinct()], AllowedInbounds = [.. request.AllowedInbounds!.Distinct()] };

        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (!await ResellersStore.LockResellerAsync(conn, tx, id, ct)) return Problem.NotFound("reseller", id);
        List<Guid> plans = await ResellersStore.MissingPlansAsync(conn, tx, quota.AllowedPlans!, ct);
        if (plans.Count > 0) errors.Add("allowedPlans", string.Join(" ", plans.Select(p => $"No plan has id {p}.")));
        List<Guid> inbounds = await ResellersStore.MissingInboundsAsync(conn, tx, quota.AllowedInbounds!, ct);
        if (inbounds.Count > 0) errors.Add("allowedInbounds", string.Join(" ", inbounds.Select(i => $"No inbound has id {i}.")));
        if (errors.Any) return errors.ToProblem();
        await ResellersStore.UpsertAsync(conn, tx, id, quota, time.GetUtcNow(), user.UserId(), ct);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "reseller.quota.set", AuditStore.Target("user", id),
            JsonSerializer.SerializeToElement(quota, ResellersJsonContext.Default.ResellerQuotaRequest), ct);
        ResellerQuotaResponse response = (await ResellersStore.GetAsync(conn, tx, id, null, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Ok(response);
    }
}
