using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Inbounds;

/// <summary>A node's inbounds with their protocol settings (staff only); every change is audited in its transaction.</summary>
internal static class InboundsEndpoints
{
    public static RouteGroupBuilder MapInbounds(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1").WithTags("Inbounds").RequireAuthorization(Policies.Staff);
        g.MapPost("/nodes/{nodeId:guid}/inbounds", CreateInbound).WithName(nameof(CreateInbound)).WithSummary("Create an inbound on a node.");
        g.MapGet("/nodes/{nodeId:guid}/inbounds", ListInbounds).WithName(nameof(ListInbounds)).WithSummary("List a node's inbounds, newest first.");
        g.MapGet("/inbounds/{id:guid}", GetInbound).WithName(nameof(GetInbound)).WithSummary("Read an inbound.");
        g.MapPut("/inbounds/{id:guid}", UpdateInbound).WithName(nameof(UpdateInbound)).WithSummary("Replace an inbound's fields and settings.");
        g.MapDelete("/inbounds/{id:guid}", DeleteInbound).WithName(nameof(DeleteInbound)).WithSummary("Delete an inbound (and its subscription links).");
        return g;
    }

    private static async Task<Results<Created<InboundResponse>, ValidationProblem, ProblemHttpResult>> CreateInbound(
        Guid nodeId, InboundRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        Dictionary<string, string[]> errors = InboundValidation.Validate(request);
        if (errors.Count > 0) return Problem.Validation(errors);
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        List<InboundResponse> rows;
        try
        {
            await using var cmd = new NpgsqlCommand(InboundsSql.Insert, conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Ids.NewId() });
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = nodeId });
            AddFields(cmd, request);
            rows = await ReadAsync(cmd, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return TagTaken(request);
        }
        if (rows.Count == 0) return Problem.NotFound("node", nodeId);
        InboundResponse created = rows[0];
        await AuditStore.AddAsync(conn, tx, user.UserId(), "inbound.create", AuditStore.Target("inbound", created.Id),
            JsonSerializer.SerializeToElement(new { nodeId, tag = created.Tag, protocol = created.Protocol }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/inbounds/{created.Id}", created);
    }

    private static async Task<Results<Ok<Page<InboundResponse>>, ProblemHttpResult>> ListInbounds(
        Guid nodeId, int? limit, Guid? after, NpgsqlDataSource db, CancellationToken ct)
    {
        int take = Page<InboundResponse>.Limit(limit);
        await using NpgsqlBatch batch = db.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(InboundsSql.NodeExists) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = nodeId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(InboundsSql.ListByNode)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = nodeId },
                new NpgsqlParameter<Guid?> { NpgsqlDbType = NpgsqlDbType.Uuid, TypedValue = after },
                new NpgsqlParameter<int> { TypedValue = take + 1 },
            },
        });
        await using NpgsqlDataReader r = await batch.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return Problem.NotFound("node", nodeId);
        await r.NextResultAsync(ct);
        var rows = new List<InboundResponse>();
        while (await r.ReadAsync(ct)) rows.Add(Read(r));
        return TypedResults.Ok(Page<InboundResponse>.From(rows, take, i => i.Id));
    }

    private static async Task<Results<Ok<InboundResponse>, ProblemHttpResult>> GetInbound(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(InboundsSql.Get);
        cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        List<InboundResponse> rows = await ReadAsync(cmd, ct);
        return rows.Count == 0 ? Problem.NotFound("inbound", id) : TypedResults.Ok(rows[0]);
    }

    private static async Task<Results<Ok<InboundResponse>, ValidationProblem, ProblemHttpResult>> UpdateInbound(
        Guid id, InboundRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        Dictionary<string, string[]> errors = InboundValidation.Validate(request);
        if (errors.Count > 0) return Problem.Validation(errors);
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        List<InboundResponse> rows;
        try
        {
            await using var cmd = new NpgsqlCommand(InboundsSql.Update, conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            AddFields(cmd, request);
            rows = await ReadAsync(cmd, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return TagTaken(request);
        }
        if (rows.Count == 0) return Problem.NotFound("inbound", id);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "inbound.update", AuditStore.Target("inbound", id),
            JsonSerializer.SerializeToElement(new { nodeId = rows[0].NodeId, tag = rows[0].Tag, protocol = rows[0].Protocol }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(rows[0]);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteInbound(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        Guid nodeId;
        string tag;
        await using (var cmd = new NpgsqlCommand(InboundsSql.Delete, conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) return Problem.NotFound("inbound", id);
            nodeId = r.GetGuid(0);
            tag = r.GetString(1);
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "inbound.delete", AuditStore.Target("inbound", id),
            JsonSerializer.SerializeToElement(new { nodeId, tag }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult TagTaken(InboundRequest request)
        => Problem.Of(ProblemTypes.Conflict, $"The node already has an inbound tagged '{request.Tag}'.");

    /// <summary>Adds tag .. settings as the next ten positional parameters; defaults match the table's.</summary>
    private static void AddFields(NpgsqlCommand cmd, InboundRequest request)
    {
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tag!.Trim() });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Host!.Trim() });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = request.Port!.Value });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Protocol! });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Network ?? InboundValidation.DefaultNetwork });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Tls ?? InboundValidation.DefaultTls });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Geo ?? "" });
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Purpose ?? "" });
        cmd.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = request.IsActive ?? true });
        cmd.Parameters.Add(new NpgsqlParameter<string> { NpgsqlDbType = NpgsqlDbType.Jsonb, TypedValue = request.Settings?.GetRawText() ?? "{}" });
    }

    private static async Task<List<InboundResponse>> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        var rows = new List<InboundResponse>();
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) rows.Add(Read(r));
        return rows;
    }

    private static InboundResponse Read(NpgsqlDataReader r)
    {
        using var settings = JsonDocument.Parse(r.GetString(11));
        return new InboundResponse(r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetString(5), r.GetString(6),
            r.GetString(7), r.GetString(8), r.GetString(9), r.GetBoolean(10), settings.RootElement.Clone(), r.GetFieldValue<DateTimeOffset>(12));
    }
}
