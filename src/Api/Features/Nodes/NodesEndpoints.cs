using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using StackExchange.Redis;
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
        RouteGroupBuilder g = app.MapGroup("/api/v1/nodes").WithTags("Nodes").RequireAuthorization(Policies.Staff);
        g.MapPost("/", CreateNode).WithName(nameof(CreateNode)).WithSummary("Create a node.");
        g.MapGet("/", ListNodes).WithName(nameof(ListNodes)).WithSummary("List nodes, newest first, with their last report time and activity.");
        g.MapGet("/{id:guid}", GetNode).WithName(nameof(GetNode)).WithSummary("Read a node with its last report time and activity.");
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
            await using var cmd = new NpgsqlCommand(NodesSql.Insert, conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Ids.NewId() });
            AddFields(cmd, request);
            row = (await ReadNodesAsync(cmd, ct))[0];
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
        int? limit, Guid? after, NpgsqlDataSource db, IDatabase redis, NodesOptions options, TimeProvider time, CancellationToken ct)
    {
        int take = Page<NodeResponse>.Limit(limit);
        await using NpgsqlCommand cmd = db.CreateCommand(after is null ? NodesSql.ListFirst : NodesSql.ListAfter);
        if (after is { } cursor) cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = cursor });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = take + 1 });
        List<NodeRow> rows = await ReadNodesAsync(cmd, ct);
        if (await WithActivityAsync(rows, redis, options, time, ct) is not { } items) return Unavailable();
        return TypedResults.Ok(Page<NodeResponse>.From(items, take, n => n.Id));
    }

    private static async Task<Results<Ok<NodeResponse>, ProblemHttpResult>> GetNode(
        Guid id, NpgsqlDataSource db, IDatabase redis, NodesOptions options, TimeProvider time, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(NodesSql.Get);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        List<NodeRow> rows = await ReadNodesAsync(cmd, ct);
        if (rows.Count == 0) return Problem.NotFound("node", id);
        if (await WithActivityAsync(rows, redis, options, time, ct) is not { } items) return Unavailable();
        return TypedResults.Ok(items[0]);
    }

    private static async Task<Results<Ok<NodeResponse>, ValidationProblem, ProblemHttpResult>> UpdateNode(
        Guid id, NodeRequest request, ClaimsPrincipal user, NpgsqlDataSource db, IDatabase redis, NodesOptions options, TimeProvider time,
        CancellationToken ct)
    {
        Dictionary<string, string[]> errors = NodeValidation.Validate(request);
        if (errors.Count > 0) return Problem.Validation(errors);
        // Read Redis before changing anything, so a Redis outage fails the request without a half-done update.
        DateTimeOffset? lastReport;
        try
        {
            lastReport = (await NodeActivity.LastReportsAsync(redis, [id], ct))[0];
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            return Unavailable();
        }
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        List<NodeRow> rows;
        try
        {
            await using var cmd = new NpgsqlCommand(NodesSql.Update, conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            AddFields(cmd, request);
            rows = await ReadNodesAsync(cmd, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Problem.Of(ProblemTypes.Conflict, $"A node named '{request.Name}' already exists.");
        }
        if (rows.Count == 0) return Problem.NotFound("node", id);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "node.update", AuditStore.Target("node", id), Meta(new { name = rows[0].Name }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(rows[0].ToResponse(lastReport, NodeActivity.IsActive(lastReport, time.GetUtcNow(), options.ActiveWindow)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteNode(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, NodeTokenPublication publication, CancellationToken ct)
    {
        var tokens = new List<(Guid Id, byte[] KeyHash)>();
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync(ct))
        await using (NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct))
        {
            bool deleted = false;
            await using (var cmd = new NpgsqlCommand(NodesSql.Delete, conn, tx))
            {
                cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
                await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct))
                {
                    deleted = true;
                    if (!r.IsDBNull(0)) tokens.Add((r.GetGuid(0), r.GetFieldValue<byte[]>(1)));
                }
            }
            if (!deleted) return Problem.NotFound("node", id);
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

    private static async Task<List<NodeResponse>?> WithActivityAsync(List<NodeRow> rows, IDatabase redis, NodesOptions options, TimeProvider time,
        CancellationToken ct)
    {
        DateTimeOffset?[] seen;
        try
        {
            seen = await NodeActivity.LastReportsAsync(redis, [.. rows.Select(r => r.Id)], ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            return null;
        }
        DateTimeOffset now = time.GetUtcNow();
        var items = new List<NodeResponse>(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            items.Add(rows[i].ToResponse(seen[i], NodeActivity.IsActive(seen[i], now, options.ActiveWindow)));
        }
        return items;
    }

    private static ProblemHttpResult Unavailable()
        => Problem.Of(ProblemTypes.Unavailable, "Redis, where Ingest records node activity, is unavailable; retry later.");

    private static void AddFields(NpgsqlCommand cmd, NodeRequest request)
    {
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Name!.Trim() });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Description ?? "" });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Geo ?? "" });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Purpose ?? "" });
    }

    private static async Task<List<NodeRow>> ReadNodesAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<NodeRow>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new NodeRow(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5)));
        }
        return rows;
    }

    internal static JsonElement Meta<T>(T value) => JsonSerializer.SerializeToElement(value);

    private sealed record NodeRow(Guid Id, string Name, string Description, string Geo, string Purpose, DateTimeOffset CreatedAt)
    {
        public NodeResponse ToResponse(DateTimeOffset? lastReport, bool active) => new(Id, Name, Description, Geo, Purpose, CreatedAt, lastReport, active);
    }
}
