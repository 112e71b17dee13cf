using System.Security.Claims;
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
        return await AuthStore.MeAsync(db, user.UserId(), ct) is { } me ? TypedResults.Ok(me) : Problem.Of(ProblemTypes.InvalidToken, UserGone);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePasswordAsync(
        ChangePasswordRequest request, ClaimsPrincipal user, HttpContext context, [AsParameters] AuthServices services, CancellationToken ct)
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
        if (Limited(services.Limiter, AuthLimit.LoginPerAccount, AuthValidation.AccountKey("id", userId.ToString()), context) is { } limited) return limited;

        if (await AuthStore.PasswordOfAsync(services.Db, userId, ct) is not { } account) return Problem.Of(ProblemTypes.InvalidToken, UserGone);
        if (!services.Passwords.Verify(request.CurrentPassword, account.Hash)) return Problem.Validation("currentPassword", "The current password is not correct.");

        string newHash = services.Passwords.Hash(request.NewPassword);
        // Opened only now: no pooled connection waits idle through the bcrypt runs above.
        await using NpgsqlConnection connection = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct);
        await AuthStore.SetPasswordHashAsync(connection, tx, userId, newHash, ct);
        // Whoever else holds a session may have learnt the old password; only the device that changed it stays signed in.
        DateTimeOffset now = services.Time.GetUtcNow();
        int revoked = await AuthStore.RevokeOtherSessionsAsync(connection, tx, userId, user.SessionId(), now, ct);
        // The owner hears of it at their address: a change they did not make is their cue to reset the password.
        if (account.Email is not null) await services.Mail.SendPasswordChangedAsync(connection, tx, account.Email, now, ct);
        await AuditStore.AddAsync(connection, tx, userId, "user.change-password", AuditStore.Target("user", userId), RevokedMeta(revoked), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Page<SessionResponse>>> ListSessionsAsync(ClaimsPrincipal user, int? limit, Guid? after, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        int take = Page<SessionResponse>.Limit(limit);
        List<SessionResponse> rows = await AuthStore.ListSessionsAsync(db, user.UserId(), user.SessionId(), time.GetUtcNow(), after, take, ct);
        return TypedResults.Ok(Page<SessionResponse>.From(rows, take, s => s.Id));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeSessionAsync(Guid id, ClaimsPrincipal user, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        // Someone else's session answers exactly like one that does not exist.
        return await AuthStore.RevokeOwnSessionAsync(db, id, user.UserId(), time.GetUtcNow(), ct) ? TypedResults.NoContent() : Problem.NotFound("session", id);
    }
}
