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

namespace Vpn.Perf.Api.Features.Users;

/// <summary>
/// User administration (<c>/api/v1/users</c>), staff only. Operators manage customers; only superusers may create,
/// change, disable or delete superusers and operators, or give anyone those roles.
/// </summary>
internal static class UsersEndpoints
{
    private const int MaxEmail = 254;
    private const string ManageRule = "Operators manage customers only; superusers and operators are managed by superusers.";
    // The last superuser locking themselves out would leave nobody able to undo it.
    private const string SelfRule = "You cannot disable, demote or delete your own account; another superuser can.";

    public static RouteGroupBuilder MapUsers(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder g = app.MapGroup("/api/v1/users").WithTags("Users").RequireAuthorization(Policies.Staff).RequireScope(ApiScopes.UsersWrite);
        g.MapPost("/", CreateUser).WithName(nameof(CreateUser)).WithSummary("Create a user (operators may create customers only).");
        g.MapGet("/", ListUsers).WithName(nameof(ListUsers)).RequireScope(ApiScopes.UsersRead)
            .WithSummary("List users, newest first, by keyset pages (?role=&disabled=&q=email-or-username-prefix&limit=&after=).");
        g.MapGet("/{id:guid}", GetUser).WithName(nameof(GetUser)).RequireScope(ApiScopes.UsersRead).WithSummary("Read a user with its group ids.");
        g.MapPatch("/{id:guid}", UpdateUser).WithName(nameof(UpdateUser)).WithSummary("Change the fields present: email, username, role, password, disabled.");
        g.MapDelete("/{id:guid}", DeleteUser).WithName(nameof(DeleteUser)).WithSummary("Delete a user with their subscriptions and memberships.");
        g.MapPut("/{id:guid}/groups/{groupId:guid}", AddMembership).WithName(nameof(AddMembership)).WithSummary("Add the user to a group (idempotent).");
        g.MapDelete("/{id:guid}/groups/{groupId:guid}", RemoveMembership).WithName(nameof(RemoveMembership)).WithSummary("Remove the user from a group.");
        return g;
    }

    private static async Task<Results<Created<UserDto>, ValidationProblem, ProblemHttpResult>> CreateUser(
        CreateUserRequest request, ClaimsPrincipal user, Passwords passwords, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new FieldErrors();
        string? email = NormalizeEmail(request.Email, errors);
        string? username = CheckUsername(request.Username, errors);
        if (email is null && username is null && !errors.Any) errors.Add("email", "A user needs an email or a username.");
        if (request.Role is null) errors.Add("role", $"A role is required: {Roles.Superuser}, {Roles.Operator} or {Roles.Customer}.");
        CheckRole(request.Role, errors);
        if (request.Password is null) errors.Add("password", "A password is required.");
        CheckPassword(request.Password, errors);
        if (errors.Any) return errors.ToProblem();
        if (!MayManage(user, request.Role!)) return Problem.Of(ProblemTypes.Forbidden, ManageRule);

        Guid id = Ids.NewId();
        string hash = passwords.Hash(request.Password!);
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        try
        {
            await UsersStore.InsertAsync(conn, tx, id, email, username, hash, request.Role!, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Problem.Of(ProblemTypes.Conflict, "A user with this email or username already exists.");
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "user.create", AuditStore.Target("user", id),
            Meta(new JsonObject { ["email"] = email, ["username"] = username, ["role"] = request.Role }), ct);
        UserDto dto = (await UsersStore.GetAsync(conn, tx, id, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Created($"/api/v1/users/{id}", dto);
    }

    private static async Task<Results<Ok<Page<UserDto>>, ValidationProblem>> ListUsers(
        [FromQuery] string? role, [FromQuery] bool? disabled, [FromQuery] string? q, [FromQuery] int? limit, [FromQuery] Guid? after,
        NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new FieldErrors();
        CheckRole(role, errors);
        if (errors.Any) return errors.ToProblem();
        int take = Page<UserDto>.Limit(limit);
        List<UserDto> rows = await UsersStore.ListAsync(db, role, disabled, q, after, take, ct);
        return TypedResults.Ok(Page<UserDto>.From(rows, take, u => u.Id));
    }

    private static async Task<Results<Ok<UserDto>, ProblemHttpResult>> GetUser(Guid id, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        return await UsersStore.GetAsync(conn, null, id, ct) is { } dto ? TypedResults.Ok(dto) : Problem.NotFound("user", id);
    }

    private static async Task<Results<Ok<UserDto>, ValidationProblem, ProblemHttpResult>> UpdateUser(
        Guid id, UpdateUserRequest request, ClaimsPrincipal user, Passwords passwords, NpgsqlDataSource db, CancellationToken ct)
    {
        var errors = new FieldErrors();
        string? email = NormalizeEmail(request.Email, errors);
        string? username = CheckUsername(request.Username, errors);
        CheckRole(request.Role, errors);
        CheckPassword(request.Password, errors);
        if (errors.Any) return errors.ToProblem();

        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        string? current = await UsersStore.LockRoleAsync(conn, tx, id, ct);
        if (current is null) return Problem.NotFound("user", id);
        if (!MayManage(user, current) || (request.Role is not null && !MayManage(user, request.Role)))
            return Problem.Of(ProblemTypes.Forbidden, ManageRule);
        if (id == user.UserId() && (request.Disabled == true || (request.Role is not null && request.Role != current)))
            return Problem.Of(ProblemTypes.Forbidden, SelfRule);

        string? hash = request.Password is null ? null : passwords.Hash(request.Password);
        try
        {
            await UsersStore.UpdateAsync(conn, tx, id, email, username, request.Role, hash, request.Disabled, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return Problem.Of(ProblemTypes.Conflict, "Another user has this email or username.");
        }
        await AuditStore.AddAsync(conn, tx, user.UserId(), "user.update", AuditStore.Target("user", id), Meta(new JsonObject
        {
            ["email"] = email,
            ["username"] = username,
            ["role"] = request.Role,
            ["disabled"] = request.Disabled,
            ["passwordChanged"] = hash is not null,
        }), ct);
        UserDto dto = (await UsersStore.GetAsync(conn, tx, id, ct))!;
        await tx.CommitAsync(ct);
        return TypedResults.Ok(dto);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteUser(
        Guid id, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        string? current = await UsersStore.LockRoleAsync(conn, tx, id, ct);
        if (current is null) return Problem.NotFound("user", id);
        if (!MayManage(user, current)) return Problem.Of(ProblemTypes.Forbidden, ManageRule);
        if (id == user.UserId()) return Problem.Of(ProblemTypes.Forbidden, SelfRule);
        await UsersStore.DeleteAsync(conn, tx, id, ct);
        await AuditStore.AddAsync(conn, tx, user.UserId(), "user.delete", AuditStore.Target("user", id), Meta(new JsonObject { ["role"] = current }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> AddMembership(
        Guid id, Guid groupId, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        string? current = await UsersStore.LockRoleAsync(conn, tx, id, ct);
        if (current is null) return Problem.NotFound("user", id);
        if (!MayManage(user, current)) return Problem.Of(ProblemTypes.Forbidden, ManageRule);
        if (!await UsersStore.GroupExistsAsync(conn, tx, groupId, ct)) return Problem.NotFound("group", groupId);
        if (!await UsersStore.AddMembershipAsync(conn, tx, id, groupId, ct))
            return TypedResults.NoContent(); // already a member: nothing changed, nothing to audit
        await AuditStore.AddAsync(conn, tx, user.UserId(), "user.group.add", AuditStore.Target("user", id), Meta(new JsonObject { ["groupId"] = groupId }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveMembership(
        Guid id, Guid groupId, ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        string? current = await UsersStore.LockRoleAsync(conn, tx, id, ct);
        if (current is null) return Problem.NotFound("user", id);
        if (!MayManage(user, current)) return Problem.Of(ProblemTypes.Forbidden, ManageRule);
        if (!await UsersStore.RemoveMembershipAsync(conn, tx, id, groupId, ct))
            return Problem.Of(ProblemTypes.NotFound, $"User {id} is not a member of group {groupId}.");
        await AuditStore.AddAsync(conn, tx, user.UserId(), "user.group.remove", AuditStore.Target("user", id), Meta(new JsonObject { ["groupId"] = groupId }), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    /// <summary>Operators manage customers; superusers manage every role.</summary>
    private static bool MayManage(ClaimsPrincipal caller, string role) => caller.IsInRole(Roles.Superuser) || role == Roles.Customer;

    private static string? NormalizeEmail(string? email, FieldErrors errors)
    {
        if (email is null) return null;
        // Lower-case once here so uniqueness and prefix search ignore case without lower() in every query.
        string e = email.Trim().ToLowerInvariant();
        int at = e.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0 || at == e.Length - 1 || e.Length > MaxEmail || e.Any(char.IsWhiteSpace))
            errors.Add("email", $"Must be an email address of at most {MaxEmail} characters.");
        return e;
    }

    private static string? CheckUsername(string? username, FieldErrors errors)
    {
        if (username is null) return null;
        if (username.Length is < 3 or > 64 || !username.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            errors.Add("username", "Must be 3-64 characters of letters, digits, '.', '_' or '-'.");
        return username;
    }

    private static void CheckRole(string? role, FieldErrors errors)
    {
        if (role is not null && !Roles.IsKnown(role))
            errors.Add("role", $"Must be {Roles.Superuser}, {Roles.Operator} or {Roles.Customer}.");
    }

    private static void CheckPassword(string? password, FieldErrors errors)
    {
        if (password is not null && Passwords.Check(password) is { } error) errors.Add("password", error);
    }

    private static JsonElement Meta(JsonObject meta) => JsonSerializer.SerializeToElement(meta, UsersJsonContext.Default.JsonObject);
}
