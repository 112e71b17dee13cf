using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
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

    public static RouteGroupBuilder MapGroups(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/groups").WithTags("Groups").RequireAuthorization(Policies.Staff).RequireScope(ApiScopes.UsersWrite);
        g.MapPost("/", CreateGroup).WithName(nameof(CreateGroup)).WithSummary("Create a group with its limits.");
        g.MapGet("/", ListGroups).WithName(nameof(ListGroups)).RequireScope(ApiScopes.UsersRead).WithSummary("List groups, newest first, by keyset pages (?limit=&after=&name=prefix).");
        g.MapGet("/{id:guid}", GetGroup).WithName(nameof(GetGroup)).RequireScope(ApiScopes.UsersRead).WithSummary("Read a group.");
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
            await GroupsStore.InsertAsync(conn, tx, id, request, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Problem.Of(ProblemTypes.Conflict, $"A group named '{request.Name}' already exists.");
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "group.create", AuditStore.Target("group", id), Meta(request), ct);
        GroupDto dto = (await GroupsStore.GetAsync(conn, tx, id, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/groups/{id}", dto);
    }

    private static async Task<Results<Ok<Page<GroupDto>>, ValidationProblem>> ListGroups(
        [FromQuery] string? name, [FromQuery] int? limit, [FromQuery] Guid? after, NpgsqlDataSource db, CancellationToken ct)
    {
        int take = Page<GroupDto>.Limit(limit);
        List<GroupDto> rows = await GroupsStore.ListAsync(db, name, after, take, ct);
        return TypedResults.Ok(Page<GroupDto>.From(rows, take, r => r.Id));
    }

    private static async Task<Results<Ok<GroupDto>, ProblemHttpResult>> GetGroup(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        return await GroupsStore.GetAsync(conn, null, id, ct) is { } dto ? TypedResults.Ok(dto) : Problem.NotFound("group", id);
    }

    private static async Task<Results<Ok<GroupDto>, ValidationProblem, ProblemHttpResult>> UpdateGroup(
        Guid id, GroupRequest request, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        if (Validate(request) is { } invalid) return invalid;
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        try
        {
            if (!await GroupsStore.UpdateAsync(conn, tx, id, request, ct)) return Problem.NotFound("group", id);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Problem.Of(ProblemTypes.Conflict, $"A group named '{request.Name}' already exists.");
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "group.update", AuditStore.Target("group", id), Meta(request), ct);
        GroupDto dto = (await GroupsStore.GetAsync(conn, tx, id, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Ok(dto);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteGroup(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        if (!await GroupsStore.DeleteAsync(conn, tx, id, ct)) return Problem.NotFound("group", id);
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
        errors.DeviceLimit("deviceLimit", request.DeviceLimit);
        return errors.Any ? errors.ToProblem() : null;
    }

    private static JsonElement Meta(GroupRequest request) => JsonSerializer.SerializeToElement(new JsonObject
    {
        ["name"] = request.Name,
        ["maxTraffic"] = request.MaxTraffic,
        ["maxSpeed"] = request.MaxSpeed,
        ["trafficResetPeriod"] = request.TrafficResetPeriod,
        ["deviceLimit"] = request.DeviceLimit,
    }, GroupsJsonContext.Default.JsonObject);
}
