using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Groups;

/// <summary>Groups and their limits (<c>/api/v1/groups</c>), staff only. Limit changes reach Redis through the state outbox triggers.</summary>
internal static class GroupsEndpoints
{
    private const int MaxNameLength = 100;

    public static IServiceCollection AddGroups(this IServiceCollection services)
        => services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, GroupsJsonContext.Default));

    public static RouteGroupBuilder MapGroups(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/groups").WithTags("Groups").RequireAuthorization(Policies.Staff);
        g.MapPost("/", CreateGroup).WithName(nameof(CreateGroup)).WithSummary("Create a group with its limits.");
        g.MapGet("/", ListGroups).WithName(nameof(ListGroups)).WithSummary("List groups, newest first, by keyset pages (?limit=&after=&name=prefix).");
        g.MapGet("/{id:guid}", GetGroup).WithName(nameof(GetGroup)).WithSummary("Read a group.");
        g.MapPut("/{id:guid}", UpdateGroup).WithName(nameof(UpdateGroup)).WithSummary("Replace a group's name and limits (null = no restriction).");
        g.MapDelete("/{id:guid}", DeleteGroup).WithName(nameof(DeleteGroup)).WithSummary("Delete a group; its memberships go with it.");
        return g;
    }

    private static async Task<Results<Created<GroupDto>, ValidationProblem, ProblemHttpResult>> CreateGroup(
        GroupRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Validate(request) is { } invalid) return invalid;
        Guid id = Ids.NewId();
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        try
        {
            await using (var cmd = new NpgsqlCommand(GroupsSql.Insert, conn, tx))
            {
                Bind(cmd.Arg(id, NpgsqlDbType.Uuid), request);
                await cmd.ExecuteNonQueryAsync(ct);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Problem.Of(ProblemTypes.Conflict, $"A group named '{request.Name}' already exists.");
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "group.create", AuditStore.Target("group", id), Meta(request), ct);
        GroupDto dto = (await ReadAsync(conn, tx, id, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/groups/{id}", dto);
    }

    private static async Task<Results<Ok<Page<GroupDto>>, ValidationProblem>> ListGroups(
        [FromQuery] string? name, [FromQuery] int? limit, [FromQuery] Guid? after, NpgsqlDataSource db, CancellationToken ct)
    {
        int take = Page<GroupDto>.Limit(limit);
        await using NpgsqlCommand cmd = db.CreateCommand(GroupsSql.List)
            .Arg(SqlLike.Prefix(name), NpgsqlDbType.Text)
            .Arg(after, NpgsqlDbType.Uuid)
            .Arg(take + 1, NpgsqlDbType.Integer);
        var rows = new List<GroupDto>(take + 1);
        await using (NpgsqlDataReader reader = await cmd.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct)) rows.Add(Read(reader));
        }
        return TypedResults.Ok(Page<GroupDto>.From(rows, take, r => r.Id));
    }

    private static async Task<Results<Ok<GroupDto>, ProblemHttpResult>> GetGroup(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        return await ReadAsync(conn, null, id, ct) is { } dto ? TypedResults.Ok(dto) : Problem.NotFound("group", id);
    }

    private static async Task<Results<Ok<GroupDto>, ValidationProblem, ProblemHttpResult>> UpdateGroup(
        Guid id, GroupRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Validate(request) is { } invalid) return invalid;
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        try
        {
            await using var cmd = new NpgsqlCommand(GroupsSql.Update, conn, tx);
            Bind(cmd.Arg(id, NpgsqlDbType.Uuid), request);
            if (await cmd.ExecuteNonQueryAsync(ct) == 0) return Problem.NotFound("group", id);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Problem.Of(ProblemTypes.Conflict, $"A group named '{request.Name}' already exists.");
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "group.update", AuditStore.Target("group", id), Meta(request), ct);
        GroupDto dto = (await ReadAsync(conn, tx, id, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Ok(dto);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteGroup(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        await using (var cmd = new NpgsqlCommand(GroupsSql.Delete, conn, tx))
        {
            if (await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteNonQueryAsync(ct) == 0) return Problem.NotFound("group", id);
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "group.delete", AuditStore.Target("group", id), null, ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static ValidationProblem? Validate(GroupRequest request)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(request.Name)) errors.Add("name", "A group needs a name.");
        errors.MaxLength("name", request.Name, MaxNameLength);
        errors.NonNegative("maxTraffic", request.MaxTraffic);
        errors.NonNegative("maxSpeed", request.MaxSpeed);
        errors.ResetPeriod("trafficResetPeriod", request.TrafficResetPeriod);
        return errors.Any ? errors.ToProblem() : null;
    }

    private static void Bind(NpgsqlCommand cmd, GroupRequest request) => cmd
        .Arg(request.Name!.Trim(), NpgsqlDbType.Text)
        .Arg(request.MaxTraffic, NpgsqlDbType.Bigint)
        .Arg(request.MaxSpeed, NpgsqlDbType.Bigint)
        .Arg(request.TrafficResetPeriod, NpgsqlDbType.Text);

    private static JsonElement Meta(GroupRequest request) => JsonSerializer.SerializeToElement(new JsonObject
    {
        ["name"] = request.Name,
        ["maxTraffic"] = request.MaxTraffic,
        ["maxSpeed"] = request.MaxSpeed,
        ["trafficResetPeriod"] = request.TrafficResetPeriod,
    }, GroupsJsonContext.Default.JsonObject);

    private static async Task<GroupDto?> ReadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(GroupsSql.Get, conn, tx);
        await using NpgsqlDataReader reader = await cmd.Arg(id, NpgsqlDbType.Uuid).ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private static GroupDto Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1),
        r.IsDBNull(2) ? null : r.GetInt64(2),
        r.IsDBNull(3) ? null : r.GetInt64(3),
        r.IsDBNull(4) ? null : r.GetString(4),
        r.GetFieldValue<DateTimeOffset>(5),
        r.GetInt32(6));
}
