using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;
using Vpn.Perf.Api.Redis;

namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>Nodes (staff only; their tokens: <see cref="NodeTokensEndpoints"/>). Every change writes an audit entry in its own transaction.</summary>
internal static class NodesEndpoints
{
    public static RouteGroupBuilder MapNodes(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/nodes").WithTags("Nodes").RequireAuthorization(Policies.Staff).RequireScope(ApiScopes.NodesWrite);
        g.MapPost("/", CreateNode).WithName(nameof(CreateNode)).WithSummary("Create a node.");
        g.MapGet("/", ListNodes).WithName(nameof(ListNodes)).RequireScope(ApiScopes.NodesRead).WithSummary("List nodes, newest first, with their last report time and activity.");
        g.MapGet("/{id:guid}", GetNode).WithName(nameof(GetNode)).RequireScope(ApiScopes.NodesRead).WithSummary("Read a node with its last report time and activity.");
        g.MapPut("/{id:guid}", UpdateNode).WithName(nameof(UpdateNode)).WithSummary("Replace a node's name, description, geo and purpose.");
        g.MapDelete("/{id:guid}", DeleteNode).WithName(nameof(DeleteNode)).WithSummary("Delete a node with its inbounds and tokens (the tokens stop working in Ingest).");
        g.MapNodeTokens();
        return g;
    }

    private static async Task<Results<Created<NodeResponse>, ValidationProblem, ProblemHttpResult>> CreateNode(
        NodeRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        Dictionary<string, string[]> errors = NodeValidation.Validate(request);
        if (errors.Count > 0) return Problem.Validation(errors);
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        NodeRow row;
        try
        {
            row = await NodesStore.InsertAsync(conn, tx, Ids.NewId(), request, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Problem.Of(ProblemTypes.Conflict, $"A node named '{request.Name}' already exists.");
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "node.create", AuditStore.Target("node", row.Id), Meta(new { name = row.Name }), ct);
        await tx.CommitAsync(ct);
        // A node created just now has never reported.
        return TypedResults.Created($"/api/v1/nodes/{row.Id}", row.ToResponse(null, false));
    }

    private static async Task<Results<Ok<Page<NodeResponse>>, ProblemHttpResult>> ListNodes(
        int? limit, Guid? after, [AsParameters] NodeServices services, CancellationToken ct)
    {
        int take = Page<NodeResponse>.Limit(limit);
        List<NodeRow> rows = await NodesStore.ListAsync(services.Db, after, take, ct);
        if (await WithActivityAsync(rows, services, ct) is not { } items) return Unavailable();
        return TypedResults.Ok(Page<NodeResponse>.From(items, take, n => n.Id));
    }

    private static async Task<Results<Ok<NodeResponse>, ProblemHttpResult>> GetNode(
        Guid id, [AsParameters] NodeServices services, CancellationToken ct)
    {
        if (await NodesStore.GetAsync(services.Db, id, ct) is not { } row) return Problem.NotFound("node", id);
        if (await WithActivityAsync([row], services, ct) is not { } items) return Unavailable();
        return TypedResults.Ok(items[0]);
    }

    private static async Task<Results<Ok<NodeResponse>, ValidationProblem, ProblemHttpResult>> UpdateNode(
        Guid id, NodeRequest request, ClaimsPrincipal user, [AsParameters] NodeServices services, CancellationToken ct)
    {
        Dictionary<string, string[]> errors = NodeValidation.Validate(request);
        if (errors.Count > 0) return Problem.Validation(errors);
        // Read Redis before changing anything, so a Redis outage fails the request without a half-done update.
        DateTimeOffset? lastReport;
        try
        {
            lastReport = (await NodeActivity.LastReportsAsync(services.Redis, [id], ct))[0];
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            return Unavailable();
        }
        await using NpgsqlConnection conn = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        NodeRow? row;
        try
        {
            row = await NodesStore.UpdateAsync(conn, tx, id, request, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Problem.Of(ProblemTypes.Conflict, $"A node named '{request.Name}' already exists.");
        }
        if (row is null) return Problem.NotFound("node", id);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "node.update", AuditStore.Target("node", id), Meta(new { name = row.Name }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(row.ToResponse(lastReport, NodeActivity.IsActive(lastReport, services.Time.GetUtcNow(), services.Options.ActiveWindow)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteNode(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, NodeTokenPublication publication, CancellationToken ct)
    {
        List<(Guid Id, byte[] KeyHash)>? tokens;
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync(ct))
        await using (NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct))
        {
            tokens = await NodesStore.DeleteAsync(conn, tx, id, ct);
            if (tokens is null) return Problem.NotFound("node", id);
            await AuditStore.AddAsync(conn, tx, user.UserId(), "node.delete", AuditStore.Target("node", id), Meta(new { tokens = tokens.Count }), ct);
            await tx.CommitAsync(ct);
        }
        try
        {
            await publication.RemoveDeletedAsync(tokens, ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            return Problem.Of(ProblemTypes.Unavailable,
                $"The node was deleted, but Redis is unavailable, so Ingest may still accept its {tokens.Count} token(s) until the token reconciler removes them (Nodes:TokenReconcileInterval).");
        }
        return TypedResults.NoContent();
    }

    private static async Task<List<NodeResponse>?> WithActivityAsync(List<NodeRow> rows, NodeServices services, CancellationToken ct)
    {
        DateTimeOffset?[] seen;
        try
        {
            seen = await NodeActivity.LastReportsAsync(services.Redis, [.. rows.Select(r => r.Id)], ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            return null;
        }
        DateTimeOffset now = services.Time.GetUtcNow();
        var items = new List<NodeResponse>(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            items.Add(rows[i].ToResponse(seen[i], NodeActivity.IsActive(seen[i], now, services.Options.ActiveWindow)));
        }
        return items;
    }

    private static ProblemHttpResult Unavailable()
        => Problem.Of(ProblemTypes.Unavailable, "Redis, where Ingest records node activity, is unavailable; retry later.");

    internal static JsonElement Meta<T>(T value) => JsonSerializer.SerializeToElement(value);
}
