using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Mail;

namespace Vpn.Perf.Api.Features.Auth;

/// <summary>
/// The account mail of the auth endpoints, each queued in the caller's transaction together with the row it needs (a
/// new account, a token), so the mail exists if and only if that change commits. Tokens are <see cref="OpaqueToken"/>s,
/// stored hashed (<c>AuthStore.Tokens.cs</c>); the plain token exists only in the queued mail's link, whose body the
/// outbox erases once it is sent. Links open <see cref="AuthOptions.PublicBaseUrl"/>, with the token in the fragment:
/// a browser sends no fragment to the site's server (access logs) nor in a Referer.
/// </summary>
internal sealed class AccountMail(MailOutbox outbox, AuthOptions options, TimeProvider time)
{
    public const string VerifyEmailPath = "/verify-email";
    public const string ResetPasswordPath = "/reset-password";

    /// <summary>
    /// Creates a customer and, when the address was new, queues its verification mail; false when the address was taken
    /// (nothing changed, nothing queued).
    /// </summary>
    public async Task<bool> RegisterAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, string email, string passwordHash, CancellationToken ct)
    {
        (string token, byte[] hash) = OpaqueToken.New();
        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset expires = now + options.EmailVerificationTokenLifetime;
        string? to = await AuthStore.RegisterAsync(connection, tx, id, email, passwordHash, MailKinds.EmailVerification, hash, now, expires, ct);
        if (to is null) return false;
        await outbox.EnqueueEmailVerificationAsync(connection, tx, to, Link(VerifyEmailPath, token), expires, ct);
        return true;
    }

    /// <summary>Issues the account's new verification token (older links stop working) and queues its mail; false when the account has no address.</summary>
    public async Task<bool> SendVerificationAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid userId, CancellationToken ct)
    {
        (string token, byte[] hash) = OpaqueToken.New();
        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset expires = now + options.EmailVerificationTokenLifetime;
        string? to = await AuthStore.IssueTokenForUserAsync(connection, tx, userId, MailKinds.EmailVerification, hash, now, expires, ct);
        if (to is null) return false;
        await outbox.EnqueueEmailVerificationAsync(connection, tx, to, Link(VerifyEmailPath, token), expires, ct);
        return true;
    }

    /// <summary>
    /// Issues a reset token for the enabled account with this (lower-case) address, if there is one, and queues its mail.
    /// Whether there was one is the caller's secret: it must answer the same either way.
    /// </summary>
    public async Task<bool> SendPasswordResetAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string email, CancellationToken ct)
    {
        (string token, byte[] hash) = OpaqueToken.New();
        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset expires = now + options.PasswordResetTokenLifetime;
        string? to = await AuthStore.IssueTokenForEmailAsync(connection, tx, email, MailKinds.PasswordReset, hash, now, expires, ct);
        if (to is null) return false;
        await outbox.EnqueuePasswordResetAsync(connection, tx, to, Link(ResetPasswordPath, token), expires, ct);
        return true;
    }

    /// <summary>Queues "your password was changed" to <paramref name="email"/>, at <paramref name="changedAt"/>.</summary>
    public Task SendPasswordChangedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string email, DateTimeOffset changedAt, CancellationToken ct)
        => outbox.EnqueuePasswordChangedAsync(connection, tx, email, changedAt, ct);

    // base64url needs no escaping in a URL.
    private Uri Link(string path, string token) => new(options.LinkBase + path + "#token=" + token);
}
