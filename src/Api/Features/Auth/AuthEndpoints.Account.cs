using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Http;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Auth;

internal static partial class AuthEndpoints
{
    private const string UserGone = "The account of this access token no longer exists.";

    private static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> MeAsync(ClaimsPrincipal user, NpgsqlDataSource db, CancellationToken ct)
    {
        Guid userId = user.UserId();
        await using NpgsqlConnection connection = await db.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { AuthDb.Command(AuthSql.Me, AuthDb.P(userId)), AuthDb.Command(AuthSql.GroupsOf, AuthDb.P(userId)) },
        };
        await using NpgsqlDataReader row = await batch.ExecuteReaderAsync(ct);
        if (!await row.ReadAsync(ct)) return Problem.Of(ProblemTypes.InvalidToken, UserGone);
        (Guid id, string? email, string? username, string role, DateTimeOffset createdAt) = (row.GetGuid(0),
            row.IsDBNull(1) ? null : row.GetString(1), row.IsDBNull(2) ? null : row.GetString(2), row.GetString(3), row.GetFieldValue<DateTimeOffset>(4));
        await row.NextResultAsync(ct);
        var groups = new List<GroupRef>();
        while (await row.ReadAsync(ct)) groups.Add(new GroupRef(row.GetGuid(0), row.GetString(1)));
        return TypedResults.Ok(new MeResponse(id, email, username, role, groups, createdAt));
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest request, ClaimsPrincipal user, HttpContext context, NpgsqlDataSource db, Passwords passwords, AuthRateLimiter limiter,
        TimeProvider time, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.CurrentPassword)) errors["currentPassword"] = ["The current password is required."];
        else if (request.CurrentPassword.Length > AuthValidation.MaxLoginPasswordLength)
            errors["currentPassword"] = [$"The password has {request.CurrentPassword.Length} characters; at most {AuthValidation.MaxLoginPasswordLength} are accepted."];
        if (Passwords.Check(request.NewPassword) is { } newError) errors["newPassword"] = [newError];
        else if (request.NewPassword == request.CurrentPassword) errors["newPassword"] = ["The new password must differ from the current one."];
        if (errors.Count > 0 || request.CurrentPassword is null || request.NewPassword is null) return Problem.Validation(errors);

        Guid userId = user.UserId();
        // A stolen access token must not become a way to guess the password: the account's sign-in limit applies.
        if (Limited(limiter, AuthLimit.LoginPerAccount, AuthValidation.AccountKey("id", userId.ToString()), context) is { } limited) return limited;

        string? hash;
        await using (var read = AuthDb.Command(db, AuthSql.PasswordHashOf, AuthDb.P(userId)))
        {
            hash = await read.ExecuteScalarAsync(ct) as string;
        }
        if (hash is null) return Problem.Of(ProblemTypes.InvalidToken, UserGone);
        if (!passwords.Verify(request.CurrentPassword, hash)) return Problem.Validation("currentPassword", "The current password is not correct.");

        string newHash = passwords.Hash(request.NewPassword);
        // Opened only now: no pooled connection waits idle through the bcrypt runs above.
        await using NpgsqlConnection connection = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct);
        await using (var update = AuthDb.Command(connection, tx, AuthSql.SetPasswordHash, AuthDb.P(userId), AuthDb.P(newHash)))
        {
            await update.ExecuteNonQueryAsync(ct);
        }
        int revoked;
        // Whoever else holds a session may have learnt the old password; only the device that changed it stays signed in.
        await using (var revoke = AuthDb.Command(connection, tx, AuthSql.RevokeOtherSessions,
            AuthDb.P(userId), AuthDb.P(user.SessionId()), AuthDb.P(time.GetUtcNow())))
        {
            revoked = await revoke.ExecuteNonQueryAsync(ct);
        }
        JsonElement meta = JsonSerializer.SerializeToElement(new Dictionary<string, int> { ["revokedSessions"] = revoked }, AuthJsonContext.Default.DictionaryStringInt32);
        await AuditStore.AddAsync(connection, tx, userId, "user.change-password", AuditStore.Target("user", userId), meta, ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Page<SessionResponse>>> ListSessionsAsync(ClaimsPrincipal user, int? limit, Guid? after, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        int take = Page<SessionResponse>.Limit(limit);
        Guid? current = user.SessionId();
        await using var list = AuthDb.Command(db, AuthSql.ListSessions, AuthDb.P(user.UserId()), AuthDb.P(time.GetUtcNow()), AuthDb.P(after), AuthDb.P(take + 1));
        var rows = new List<SessionResponse>(Math.Min(take + 1, 64));
        await using (NpgsqlDataReader row = await list.ExecuteReaderAsync(ct))
        {
            while (await row.ReadAsync(ct))
            {
                Guid id = row.GetGuid(0);
                rows.Add(new SessionResponse(id, row.GetString(1), row.GetFieldValue<DateTimeOffset>(2), row.GetFieldValue<DateTimeOffset>(3),
                    row.GetFieldValue<DateTimeOffset>(4), id == current));
            }
        }
        return TypedResults.Ok(Page<SessionResponse>.From(rows, take, s => s.Id));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeSessionAsync(Guid id, ClaimsPrincipal user, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        await using var revoke = AuthDb.Command(db, AuthSql.RevokeOwnSession, AuthDb.P(id), AuthDb.P(user.UserId()), AuthDb.P(time.GetUtcNow()));
        // Someone else's session answers exactly like one that does not exist.
        return await revoke.ExecuteScalarAsync(ct) is null ? Problem.NotFound("session", id) : TypedResults.NoContent();
    }
}
