using Vpn.Perf.Api.Data;
using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Hosting;
using Vpn.Perf.Api.Problems;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>
/// <c>/api/v1/auth</c>: register, login, refresh, logout (this file), the signed-in account's own data
/// (<c>AuthEndpoints.Account.cs</c>) and email verification and password reset (<c>AuthEndpoints.Email.cs</c>).
/// </summary>
internal static partial class AuthEndpoints
{
    public const string Prefix = "/api/v1/auth";

    // The same answer for an unknown account and a wrong password, so the response does not reveal which it was.
    private const string BadCredentials = "The email, username or password is not correct.";

    public static RouteGroupBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup(Prefix).WithTags("Auth").RequireAuthorization(Policies.SignedIn).RequireSession();

        group.MapPost("register", RegisterAsync).AllowAnonymous()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("AuthRegister").WithSummary("Register a customer account by email; the same answer whether or not the address is taken. Sign in with login.");
        group.MapPost("login", LoginAsync).AllowAnonymous().NoStore().ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("AuthLogin").WithSummary("Sign in with email or username and password; starts a session for this device.");
        group.MapPost("refresh", RefreshAsync).AllowAnonymous().NoStore().ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("AuthRefresh").WithSummary("Exchange a refresh token for new tokens; the presented token is consumed.");
        group.MapPost("logout", LogoutAsync).ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("AuthLogout").WithSummary("End the session of the calling access token.");
        group.MapGet("me", MeAsync).ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("AuthMe").WithSummary("The signed-in account: id, email or username, role, groups.");
        group.MapPost("change-password", ChangePasswordAsync).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithName("AuthChangePassword").WithSummary("Change the password (the current one is required); ends every other session.");
        group.MapGet("sessions", ListSessionsAsync).ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithName("AuthListSessions").WithSummary("The caller's active sessions, newest first; the current one is marked.");
        group.MapDelete("sessions/{id:guid}", RevokeSessionAsync).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound)
            .WithName("AuthRevokeSession").WithSummary("End one of the caller's own sessions.");
        MapEmail(group);
        return group;
    }

    private static async Task<Results<Accepted<RegisterResponse>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterRequest request, HttpContext context, [AsParameters] AuthServices services, CancellationToken ct)
    {
        if (Limited(services.Limiter, AuthLimit.RegisterPerIp, AuthRateLimiter.ClientKey(context), context) is { } byIp) return byIp;

        var errors = new Dictionary<string, string[]>();
        string? email = AuthValidation.NormalizeEmail(request.Email, out string? emailError);
        if (emailError is not null) errors["email"] = [emailError];
        if (Passwords.Check(request.Password) is { } passwordError) errors["password"] = [passwordError];
        if (errors.Count > 0 || email is null || request.Password is null) return Problem.Validation(errors);

        if (Limited(services.Limiter, AuthLimit.RegisterPerAccount, AuthValidation.AccountKey("email", email), context) is { } byAccount) return byAccount;

        // A taken address and a new one cost nearly the same (one bcrypt run, one statement that inserts the account and
        // its verification token or nothing) and answer the same, so registering does not tell anyone which addresses
        // have accounts; only a new account also queues its verification mail (one more insert, in the same
        // transaction). An existing account is left exactly as it was. The new account can sign in at once.
        string hash = services.Passwords.Hash(request.Password);
        // Opened only now: no pooled connection waits idle through the bcrypt run above.
        await using NpgsqlConnection connection = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct);
        await services.Mail.RegisterAsync(connection, tx, Ids.NewId(), email, hash, ct);
        await tx.CommitAsync(ct);
        return TypedResults.Accepted((string?)null, RegisterResponse.Generic);
    }

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext context, [AsParameters] AuthServices services, CancellationToken ct)
    {
        if (Limited(services.Limiter, AuthLimit.LoginPerIp, AuthRateLimiter.ClientKey(context), context) is { } byIp) return byIp;

        var errors = new Dictionary<string, string[]>();
        bool byEmail = !string.IsNullOrWhiteSpace(request.Email);
        bool byUsername = !string.IsNullOrWhiteSpace(request.Username);
        if (byEmail == byUsername)
        {
            string[] message = ["Give exactly one of email and username."];
            errors["email"] = message;
            errors["username"] = message;
        }
        if (string.IsNullOrEmpty(request.Password)) errors["password"] = ["A password is required."];
        else if (request.Password.Length > AuthValidation.MaxLoginPasswordLength)
            errors["password"] = [$"The password has {request.Password.Length} characters; at most {AuthValidation.MaxLoginPasswordLength} are accepted."];
        string device = AuthValidation.DeviceLabel(request.DeviceName, context, errors);
        if (errors.Count > 0 || request.Password is null) return Problem.Validation(errors);

        // Sign-in does not re-validate the address format: accounts migrated from other panels keep theirs.
        string account = byEmail ? request.Email!.Trim().ToLowerInvariant() : request.Username!;
        if (Limited(services.Limiter, AuthLimit.LoginPerAccount, AuthValidation.AccountKey(byEmail ? "email" : "username", account), context) is { } byAccount)
        {
            return byAccount;
        }

        (Guid Id, string Hash, string Role, bool Disabled)? user = await AuthStore.FindAccountAsync(services.Db, byEmail, account, ct);

        // One bcrypt run on every path (a dummy hash for an unknown account) keeps the answer time independent of existence.
        if (!services.Passwords.Verify(request.Password, user?.Hash) || user is not { } u) return Problem.Of(ProblemTypes.InvalidCredentials, BadCredentials);
        // Only someone who knows the password learns that the account is disabled.
        if (u.Disabled) return Problem.Of(ProblemTypes.Forbidden, "This account is disabled.");

        string? rehash = services.Passwords.NeedsRehash(u.Hash) ? services.Passwords.Hash(request.Password) : null;
        // Opened only now: no pooled connection waits idle through the bcrypt runs above.
        await using NpgsqlConnection connection = await services.Db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await connection.BeginTransactionAsync(ct);
        if (rehash is not null)
        {
            // Hashes migrated from other panels ($2a$, $2y$, other costs) are upgraded while the plain password is at hand.
            await AuthStore.SetPasswordHashAsync(connection, tx, u.Id, rehash, ct);
        }
        TokenResponse tokens = await services.Sessions.StartAsync(connection, tx, u.Id, u.Role, device, ct);
        await tx.CommitAsync(ct);
        return TypedResults.Ok(tokens);
    }

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, SessionTokens sessions, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.RefreshToken)) return Problem.Validation("refreshToken", "A refresh token is required.");
        (TokenResponse? tokens, RefreshFailure failure) = await sessions.RefreshAsync(request.RefreshToken, ct);
        if (tokens is not null) return TypedResults.Ok(tokens);
        return Problem.Of(ProblemTypes.InvalidToken, failure switch
        {
            RefreshFailure.Reused => "This refresh token was already used, so its session has been ended; sign in again.",
            RefreshFailure.Ended => "The session has expired or was ended; sign in again.",
            RefreshFailure.Disabled => "This account is disabled.",
            _ => "The refresh token is not valid.",
        });
    }

    private static async Task<NoContent> LogoutAsync(ClaimsPrincipal user, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        // Not an error when the session is already gone; once the revocation notice arrives the token itself is refused (401).
        if (user.SessionId() is { } sessionId)
        {
            await AuthStore.RevokeSessionAsync(db, sessionId, user.UserId(), time.GetUtcNow(), ct);
        }
        return TypedResults.NoContent();
    }

    /// <summary>A 429 problem with Retry-After when the limit is spent, else null.</summary>
    private static ProblemHttpResult? Limited(AuthRateLimiter limiter, AuthLimit limit, string key, HttpContext context)
    {
        if (limiter.TryAcquire(limit, key) is not { } retryAfter) return null;
        int seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        string what = limit switch
        {
            AuthLimit.LoginPerIp => "sign-in attempts from this address",
            AuthLimit.LoginPerAccount => "sign-in attempts for this account",
            AuthLimit.RegisterPerIp => "registrations from this address",
            AuthLimit.RegisterPerAccount => "registration attempts for this email address",
            AuthLimit.PasswordResetPerIp => "password-reset requests from this address",
            AuthLimit.PasswordResetPerAccount => "password-reset requests for this email address",
            AuthLimit.VerificationMailPerAccount => "verification mails for this account",
            _ => "verification and reset links tried from this address",
        };
        return Problem.Of(ProblemTypes.TooManyRequests, $"Too many {what}; retry in {seconds} s.");
    }
}
