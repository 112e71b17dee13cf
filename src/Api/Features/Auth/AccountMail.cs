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
    public Task<bool> RegisterAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, string email, string passwordHash, CancellationToken ct)
        => IssueAsync(connection, tx, MailKinds.EmailVerification,
            (hash, now, expires) => AuthStore.RegisterAsync(connection, tx, id, email, passwordHash, MailKinds.EmailVerification, hash, now, expires, ct), ct);

    /// <summary>Issues the account's new verification token (older links stop working) and queues its mail; false when the account has no address.</summary>
    public Task<bool> SendVerificationAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid userId, CancellationToken ct)
        => IssueAsync(connection, tx, MailKinds.EmailVerification,
            (hash, now, expires) => AuthStore.IssueTokenForUserAsync(connection, tx, userId, MailKinds.EmailVerification, hash, now, expires, ct), ct);

    /// <summary>
    /// Issues a reset token for the enabled account with this (lower-case) address, if there is one, and queues its mail.
    /// Whether there was one is the caller's secret: it must answer the same either way.
    /// </summary>
    public Task<bool> SendPasswordResetAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string email, CancellationToken ct)
        => IssueAsync(connection, tx, MailKinds.PasswordReset,
            (hash, now, expires) => AuthStore.IssueTokenForEmailAsync(connection, tx, email, MailKinds.PasswordReset, hash, now, expires, ct), ct);

    /// <summary>Queues "your password was changed" to <paramref name="email"/>, at <paramref name="changedAt"/>.</summary>
    public Task SendPasswordChangedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string email, DateTimeOffset changedAt, CancellationToken ct)
        => outbox.EnqueuePasswordChangedAsync(connection, tx, email, changedAt, ct);

    /// <summary>
    /// Makes a token of <paramref name="kind"/> and lets <paramref name="issue"/> store its hash (given the hash, now and
    /// the expiry; it returns the address to mail, or null when there is no account to mail); then queues the mail.
    /// </summary>
    private async Task<bool> IssueAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string kind,
        Func<byte[], DateTimeOffset, DateTimeOffset, Task<string?>> issue, CancellationToken ct)
    {
        bool reset = kind == MailKinds.PasswordReset;
        (string token, byte[] hash) = OpaqueToken.New();
        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset expires = now + (reset ? options.PasswordResetTokenLifetime : options.EmailVerificationTokenLifetime);
        if (await issue(hash, now, expires) is not { } to) return false;
        // base64url needs no escaping in a URL.
        await (reset
            ? outbox.EnqueuePasswordResetAsync(connection, tx, to, new Uri(options.LinkBase + ResetPasswordPath + "#token=" + token), expires, ct)
            : outbox.EnqueueEmailVerificationAsync(connection, tx, to, new Uri(options.LinkBase + VerifyEmailPath + "#token=" + token), expires, ct));
        return true;
    }
}
