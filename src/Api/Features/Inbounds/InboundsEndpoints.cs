using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Features.WireGuard;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.SingBox;

namespace Vpn.Perf.Api.Features.Inbounds;

/// <summary>A node's inbounds with their protocol settings (staff only); every change is audited in its transaction.</summary>
internal static class InboundsEndpoints
{
    public static RouteGroupBuilder MapInbounds(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1").WithTags("Inbounds").RequireAuthorization(Policies.Staff).RequireScope(ApiScopes.NodesWrite);
        g.MapPost("/nodes/{nodeId:guid}/inbounds", CreateInbound).WithName(nameof(CreateInbound)).WithSummary("Create an inbound on a node.");
        g.MapGet("/nodes/{nodeId:guid}/inbounds", ListInbounds).WithName(nameof(ListInbounds)).RequireScope(ApiScopes.NodesRead).WithSummary("List a node's inbounds, newest first.");
        g.MapGet("/inbounds/{id:guid}", GetInbound).WithName(nameof(GetInbound)).RequireScope(ApiScopes.NodesRead).WithSummary("Read an inbound.");
        g.MapPut("/inbounds/{id:guid}", UpdateInbound).WithName(nameof(UpdateInbound)).WithSummary("Replace an inbound's fields and settings.");
        g.MapDelete("/inbounds/{id:guid}", DeleteInbound).WithName(nameof(DeleteInbound)).WithSummary("Delete an inbound (and its subscription links).");
        return g;
    }

    private static async Task<Results<Created<InboundResponse>, ValidationProblem, ProblemHttpResult>> CreateInbound(
        Guid nodeId, InboundRequest request, ClaimsPrincipal user, NpgsqlDataSource db, WireGuardPeers peers, CancellationToken ct)
    {
        Dictionary<string, string[]> errors = InboundValidation.Validate(request, out InboundSpec? spec);
        if (errors.Count > 0) return Problem.Validation(errors);
        // Refused now rather than at the first link: an inbound no subscription could be linked to helps nobody.
        if (spec!.Protocol == InboundProtocol.WireGuard && !peers.IsConfigured) return new PeerProvisioning(PeerFailure.NotConfigured, Guid.Empty, 0).ToProblem();
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        InboundResponse? created;
        try
        {
            created = await InboundsStore.InsertAsync(conn, tx, Ids.NewId(), nodeId, request, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return TagTaken(request);
        }
        if (created is null) return Problem.NotFound("node", nodeId);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "inbound.create", AuditStore.Target("inbound", created.Id),
            JsonSerializer.SerializeToElement(new { nodeId, tag = created.Tag, protocol = created.Protocol }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/inbounds/{created.Id}", created);
    }

    private static async Task<Results<Ok<Page<InboundResponse>>, ProblemHttpResult>> ListInbounds(
        Guid nodeId, int? limit, Guid? after, NpgsqlDataSource db, CancellationToken ct)
    {
        int take = Page<InboundResponse>.Limit(limit);
        if (await InboundsStore.ListByNodeAsync(db, nodeId, after, take, ct) is not { } rows) return Problem.NotFound("node", nodeId);
        return TypedResults.Ok(Page<InboundResponse>.From(rows, take, i => i.Id));
    }

    private static async Task<Results<Ok<InboundResponse>, ProblemHttpResult>> GetInbound(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        return await InboundsStore.GetAsync(db, id, ct) is { } inbound ? TypedResults.Ok(inbound) : Problem.NotFound("inbound", id);
    }

    private static async Task<Results<Ok<InboundResponse>, ValidationProblem, ProblemHttpResult>> UpdateInbound(
        Guid id, InboundRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        Dictionary<string, string[]> errors = InboundValidation.Validate(request, out InboundSpec? spec);
        if (errors.Count > 0) return Problem.Validation(errors);
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (await WireGuardStore.InboundStateAsync(conn, tx, id, ct) is not { } state) return Problem.NotFound("inbound", id);
        if (WireGuardChange(state, spec!) is { } refused) return refused;
        InboundResponse? updated;
        try
        {
            updated = await InboundsStore.UpdateAsync(conn, tx, id, request, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return TagTaken(request);
        }
        if (updated is null) return Problem.NotFound("inbound", id);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "inbound.update", AuditStore.Target("inbound", id),
            JsonSerializer.SerializeToElement(new { nodeId = updated.NodeId, tag = updated.Tag, protocol = updated.Protocol }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(updated);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteInbound(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (await InboundsStore.DeleteAsync(conn, tx, id, ct) is not { } deleted) return Problem.NotFound("inbound", id);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "inbound.delete", AuditStore.Target("inbound", id),
            JsonSerializer.SerializeToElement(new { nodeId = deleted.NodeId, tag = deleted.Tag }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// A WireGuard inbound's peers hold addresses of its pools and keys only it accepts: a linked inbound cannot change to
    /// or from wireguard (its links would be left without peers, or peers on a proxy), and its pools cannot shrink below
    /// the highest address handed out. Null when the change is fine.
    /// </summary>
    private static ProblemHttpResult? WireGuardChange((string Protocol, long Links, int MaxIndex) state, InboundSpec spec)
    {
        bool was = state.Protocol == "wireguard", will = spec.Protocol == InboundProtocol.WireGuard;
        if (was != will && state.Links > 0)
        {
            return Problem.Of(ProblemTypes.Conflict, $"The inbound has {state.Links} subscription link(s); its protocol cannot change to or from wireguard. "
                + "Create a new inbound and move the links.");
        }
        if (will && state.MaxIndex > ((WireGuardSettings)spec.Settings).LastPeerIndex)
        {
            return Problem.Of(ProblemTypes.Conflict, $"A peer already has address index {state.MaxIndex}, beyond the new pools; keep pools at least that large.");
        }
        return null;
    }

    private static ProblemHttpResult TagTaken(InboundRequest request)
        => Problem.Of(ProblemTypes.Conflict, $"The node already has an inbound tagged '{request.Tag}'.");
}
