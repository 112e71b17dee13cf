using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Audit;
using Vpn.Perf.Api.Features.Mail;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>Email verification and password reset (docs/api-accounts.md): the endpoints that use or ask for the tokens of account mail.</summary>
internal static partial class AuthEndpoints
{
    // One answer for a token that is malformed, unknown, expired, already used or for an address the account no longer
    // has: which of them it was helps nobody holding a real link and tells a guesser something.
    private const string LinkDoesNotWork = "This link does not work: it may be mistyped, expired or already used. Ask for a new one.";

    private static void MapEmail(RouteGroupBuilder group)
    {
        group.MapPost("verify-email", VerifyEmailAsync).AllowAnonymous()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("AuthVerifyEmail").WithSummary("Confirm the account's email address with the token of a verification mail's link; a token works once.");
        group.MapPost("resend-verification", ResendVerificationAsync)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("AuthResendVerification").WithSummary("Mail a new verification link to the signed-in account's unverified address; earlier links stop working.");
        group.MapPost("forgot-password", ForgotPasswordAsync).AllowAnonymous().ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("AuthForgotPassword").WithSummary("Mail a password-reset link to the address if an account has it; the same answer whether or not one does.");
        group.MapPost("reset-password", ResetPasswordAsync).AllowAnonymous()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("AuthResetPassword").WithSummary("Set a new password with the token of a reset mail's link; ends every session of the account.");
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> VerifyEmailAsync(
        VerifyEmailRequest request, HttpContext context, [AsParameters] AuthServices services, CancellationToken ct)
    {
        if (Limited(services.Limiter, AuthLimit.AccountTokenPerIp, AuthRateLimiter.ClientKey(context), context) is { } byIp) return byIp;
        if (string.IsNullOrEmpty(request.Token)) return Problem.Validation("token", "The token of the verification link is required.");
        if (OpaqueToken.HashOf(request.Token) is not { } hash
            || await AuthStore.VerifyEmailAsync(services.Db, hash, MailKinds.EmailVerification, services.Time.GetUtcNow(), ct) is null)
        {
            return Problem.Of(ProblemTypes.AccountTokenInvalid, LinkDoesNotWork);
        }
        return TypedResults.NoContent();
    }

    private static async Task<Results<Accepted<MailAcceptedResponse>, ProblemHttpResult>> ResendVerificationAsync(
        ClaimsPrincipal user, HttpContext context, [AsParameters] AuthServices services, CancellationToken ct)
    {
        Guid userId = user.UserId();
        // Each one is a mail to the address: bounded per account, whoever holds its sessions.
        if (Limited(services.Limiter, AuthLimit.VerificationMailPerAccount, AuthValidation.AccountKey("id", userId.ToString()), context) is { } limited)
            return limited;

        if (await AuthStore.EmailStateAsync(services.Db, userId, ct) is not { } state) return Problem.Of(ProblemTypes.InvalidToken, UserGone);
        if (state.Email is null) return Problem.Of(ProblemTypes.BadRequest, "This account has no email address to verify; it signs in by username.");
        if (state.VerifiedAt is not null) return Problem.Of(ProblemTypes.EmailAlreadyVerified, "The email address of this account is already verified.");

        await using NpgsqlConnection connection = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct);
        await services.Mail.SendVerificationAsync(connection, tx, userId, ct);
        await tx.CommitAsync(ct);
        return TypedResults.Accepted((string?)null, MailAcceptedResponse.Verification);
    }

    private static async Task<Results<Accepted<MailAcceptedResponse>, ValidationProblem, ProblemHttpResult>> ForgotPasswordAsync(
        ForgotPasswordRequest request, HttpContext context, [AsParameters] AuthServices services, CancellationToken ct)
    {
        if (Limited(services.Limiter, AuthLimit.PasswordResetPerIp, AuthRateLimiter.ClientKey(context), context) is { } byIp) return byIp;
        string? email = AuthValidation.NormalizeEmail(request.Email, out string? emailError);
        if (email is null) return Problem.Validation("email", emailError!);
        // Counted per address whether or not it has an account, so the limit itself tells nothing.
        if (Limited(services.Limiter, AuthLimit.PasswordResetPerAccount, AuthValidation.AccountKey("email", email), context) is { } byAccount) return byAccount;

        // The same transaction either way: one statement that issues a token for the address's enabled account, or finds
        // none and does nothing; the mail is queued in it only when there was one. The answer is the same, and the mail
        // itself leaves later, from the sender, so its SMTP time is no one's to measure here.
        await using NpgsqlConnection connection = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct);
        await services.Mail.SendPasswordResetAsync(connection, tx, email, ct);
        await tx.CommitAsync(ct);
        return TypedResults.Accepted((string?)null, MailAcceptedResponse.PasswordReset);
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ResetPasswordAsync(
        ResetPasswordRequest request, HttpContext context, [AsParameters] AuthServices services, CancellationToken ct)
    {
        if (Limited(services.Limiter, AuthLimit.AccountTokenPerIp, AuthRateLimiter.ClientKey(context), context) is { } byIp) return byIp;
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.Token)) errors["token"] = ["The token of the reset link is required."];
        if (Passwords.Check(request.NewPassword) is { } passwordError) errors["newPassword"] = [passwordError];
        if (errors.Count > 0 || request.NewPassword is null) return Problem.Validation(errors);

        // A cheap look first, so a dead token costs no bcrypt run; the token is used (or found gone) in the transaction below.
        if (OpaqueToken.HashOf(request.Token) is not { } tokenHash
            || !await AuthStore.TokenLiveAsync(services.Db, tokenHash, MailKinds.PasswordReset, services.Time.GetUtcNow(), ct))
        {
            return Problem.Of(ProblemTypes.AccountTokenInvalid, LinkDoesNotWork);
        }
        string newHash = services.Passwords.Hash(request.NewPassword);

        DateTimeOffset now = services.Time.GetUtcNow();
        // Opened only now: no pooled connection waits idle through the bcrypt run above.
        await using NpgsqlConnection connection = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct);
        // Another request with the same token that got here first has used it: this one finds nothing.
        if (await AuthStore.ResetPasswordAsync(connection, tx, tokenHash, MailKinds.PasswordReset, newHash, now, ct) is not { } account)
            return Problem.Of(ProblemTypes.AccountTokenInvalid, LinkDoesNotWork);
        // Whoever knew the old password may hold a session: every one ends, and with them their refresh and access tokens.
        int revoked = await AuthStore.RevokeOtherSessionsAsync(connection, tx, account.Id, null, now, ct);
        await services.Mail.SendPasswordChangedAsync(connection, tx, account.Email, now, ct);
        await AuditStore.AddAsync(connection, tx, account.Id, "user.reset-password", AuditStore.Target("user", account.Id), RevokedMeta(revoked), ct);
        await tx.CommitAsync(ct);
        return TypedResults.NoContent();
    }

    private static JsonElement RevokedMeta(int revoked)
        => JsonSerializer.SerializeToElement(new Dictionary<string, int> { ["revokedSessions"] = revoked }, AuthJsonContext.Default.DictionaryStringInt32);
}
