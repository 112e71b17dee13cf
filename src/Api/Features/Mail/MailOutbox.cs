using MimeKit;
using Npgsql;
using Vpn.Perf.Api.Data;

namespace Vpn.Perf.Api.Features.Mail;

/// <summary>
/// Queues mail in the caller's transaction: the message exists if and only if the change it tells about committed, and
/// the senders are woken at that commit. Each message gets its Message-ID here, once, so every attempt to send it
/// carries the same one (docs/mail.md).
/// </summary>
internal sealed class MailOutbox(MailTemplates templates, MailOptions options, TimeProvider time)
{
    /// <summary>The Message-ID domain when no From address is configured (mail then waits for the settings).</summary>
    private const string FallbackDomain = "vpnperf.invalid";

    /// <summary>"Confirm your email address": <paramref name="link"/> carries the verification token.</summary>
    public Task<Guid> EnqueueEmailVerificationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string to, Uri link,
        DateTimeOffset expiresAt, CancellationToken ct)
        => EnqueueAsync(connection, transaction, templates.EmailVerification(to, link, expiresAt), ct);

    /// <summary>"Reset your password": <paramref name="link"/> carries the reset token.</summary>
    public Task<Guid> EnqueuePasswordResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string to, Uri link,
        DateTimeOffset expiresAt, CancellationToken ct)
        => EnqueueAsync(connection, transaction, templates.PasswordReset(to, link, expiresAt), ct);

    /// <summary>"Your password was changed" (no link), at <paramref name="changedAt"/>.</summary>
    public Task<Guid> EnqueuePasswordChangedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string to,
        DateTimeOffset changedAt, CancellationToken ct)
        => EnqueueAsync(connection, transaction, templates.PasswordChanged(to, changedAt), ct);

    /// <summary>Queues a rendered message; returns its id in <c>mail_outbox</c>.</summary>
    public async Task<Guid> EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, OutgoingMail mail, CancellationToken ct)
    {
        // The callers pass addresses they validated; anything that is not one plain address is a bug, not a message.
        if (!MailboxAddress.TryParse(mail.To, out MailboxAddress? to) || to.Address != mail.To || to.Domain.Length == 0)
            throw new ArgumentException("The recipient is not one plain email address.", nameof(mail));
        Guid id = Ids.NewId();
        string messageId = id.ToString("N") + "@" + (options.FromAddress?.Domain ?? FallbackDomain);
        await MailStore.InsertAsync(connection, transaction, id, mail, messageId, time.GetUtcNow(), ct);
        return id;
    }
}
