using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Features.Resellers;
using Vpn.Perf.Api.Features.WireGuard;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Inbounds;

/// <summary>
/// Which inbounds a subscription may use: staff and resellers change them, support reads them. A reseller reaches only
/// the subscriptions it created (others answer 404) and links only the inbounds its quota allows. Links feed node
/// sync and config rendering; their triggers (0006) bump the sync version of the nodes concerned. Every change is
/// audited in its transaction.
/// </summary>
internal static class SubscriptionInboundsEndpoints
{
    public static RouteGroupBuilder MapSubscriptionInbounds(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/subscriptions/{id:guid}/inbounds").WithTags("Inbounds").RequireAuthorization(Policies.Viewers).RequireScope(ApiScopes.SubscriptionsWrite);
        // Policies add up: the group admits support, each change narrows it to managers.
        g.MapGet("/", ListSubscriptionInbounds).WithName(nameof(ListSubscriptionInbounds)).RequireScope(ApiScopes.SubscriptionsRead).WithSummary("List the inbounds a subscription is linked to.");
        g.MapPut("/", ReplaceSubscriptionInbounds).WithName(nameof(ReplaceSubscriptionInbounds)).RequireAuthorization(Policies.Managers)
            .WithSummary("Replace the set of inbounds a subscription is linked to.");
        g.MapPost("/{inboundId:guid}", LinkSubscriptionInbound).WithName(nameof(LinkSubscriptionInbound)).RequireAuthorization(Policies.Managers)
            .WithSummary("Link an inbound to a subscription (idempotent).");
        g.MapDelete("/{inboundId:guid}", UnlinkSubscriptionInbound).WithName(nameof(UnlinkSubscriptionInbound)).RequireAuthorization(Policies.Managers)
            .WithSummary("Unlink an inbound from a subscription (idempotent).");
        return g;
    }

    private static async Task<Results<Ok<SubscriptionInboundsResponse>, ProblemHttpResult>> ListSubscriptionInbounds(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        if (!await InboundsStore.SubscriptionExistsAsync(conn, null, id, CallerScope.ResellerOf(user), ct)) return Problem.NotFound("subscription", id);
        return TypedResults.Ok(new SubscriptionInboundsResponse(id, await InboundsStore.ListLinksAsync(conn, null, id, ct)));
    }

    private static async Task<Results<Ok<SubscriptionInboundsResponse>, ValidationProblem, ProblemHttpResult>> ReplaceSubscriptionInbounds(
        Guid id, SubscriptionInboundsRequest request, ClaimsPrincipal user, NpgsqlDataSource db, WireGuardPeers peers, CancellationToken ct)
    {
        Dictionary<string, string[]> errors = InboundValidation.Validate(request);
        if (errors.Count > 0) return Problem.Validation(errors);
        Guid[] wanted = [.. request.InboundIds!.Distinct()];
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        // The lock serialises concurrent replacements of one subscription's set.
        Guid? reseller = CallerScope.ResellerOf(user);
        if (!await InboundsStore.LockSubscriptionAsync(conn, tx, id, reseller, ct)) return Problem.NotFound("subscription", id);
        List<Guid> missing = await InboundsStore.MissingInboundsAsync(conn, tx, wanted, ct);
        if (missing.Count > 0) return Problem.Validation("inboundIds", string.Join(" ", missing.Select(m => $"No inbound has id {m}.")));
        if (reseller is { } r && ResellerQuotaRules.Inbounds(await ResellersStore.LockAsync(conn, tx, r, null, ct), wanted) is { } refused) return refused;
        (Guid[] added, Guid[] removed) = await InboundsStore.ReplaceLinksAsync(conn, tx, id, wanted, ct);
        // Also with nothing added: re-sending the same set is how staff repair a link left without its peer (a purchase into a full pool).
        if (await peers.EnsureAsync(conn, tx, id, ct) is { } failed) return failed.ToProblem();
        if (added.Length + removed.Length > 0)
        {
            await AuditStore.AddAsync(conn, tx, user.UserId(), "subscription.inbounds.replace", AuditStore.Target("subscription", id),
                JsonSerializer.SerializeToElement(new { added, removed }), ct);
        }
        IReadOnlyList<Guid> now = await InboundsStore.ListLinksAsync(conn, tx, id, ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(new SubscriptionInboundsResponse(id, now));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> LinkSubscriptionInbound(
        Guid id, Guid inboundId, ClaimsPrincipal user, NpgsqlDataSource db, WireGuardPeers peers, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        Guid? reseller = CallerScope.ResellerOf(user);
        if (reseller is { } r)
        {
            if (!await InboundsStore.LockSubscriptionAsync(conn, tx, id, r, ct)) return Problem.NotFound("subscription", id);
            if (ResellerQuotaRules.Inbounds(await ResellersStore.LockAsync(conn, tx, r, null, ct), [inboundId]) is { } refused) return refused;
        }
        bool linked = await InboundsStore.LinkAsync(conn, tx, id, inboundId, reseller, ct);
        if (!linked && await MissingAsync(conn, tx, id, inboundId, reseller, ct) is { } notFound) return notFound;
        // Already linked: nothing to audit, but a link left without its WireGuard peer (a purchase into a full pool) gets it now.
        if (await peers.EnsureAsync(conn, tx, id, ct) is { } failed) return failed.ToProblem();
        if (linked)
        {
            await AuditStore.AddAsync(conn, tx, user.UserId(), "subscription.inbound.link", AuditStore.Target("subscription", id),
                JsonSerializer.SerializeToElement(new { inboundId }), ct);
        }
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> UnlinkSubscriptionInbound(
        Guid id, Guid inboundId, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        Guid? reseller = CallerScope.ResellerOf(user);
        if (!await InboundsStore.UnlinkAsync(conn, tx, id, inboundId, reseller, ct))
        {
            if (await MissingAsync(conn, tx, id, inboundId, reseller, ct) is { } notFound) return notFound;
            return TypedResults.NoContent();
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "subscription.inbound.unlink", AuditStore.Target("subscription", id),
            JsonSerializer.SerializeToElement(new { inboundId }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<ProblemHttpResult?> MissingAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid inboundId, Guid? reseller,
        CancellationToken ct)
    {
        if (!await InboundsStore.SubscriptionExistsAsync(conn, tx, id, reseller, ct)) return Problem.NotFound("subscription", id);
        if (!await InboundsStore.InboundExistsAsync(conn, tx, inboundId, ct)) return Problem.NotFound("inbound", inboundId);
        return null;
    }
}
