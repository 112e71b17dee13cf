using MimeKit;

namespace Vpn.Perf.Api.Features.Mail;

/// <summary>Settings of the mail outbox and its sender (section <c>Mail</c>; docs/mail.md).</summary>
internal sealed class MailOptions
{
    public const string Section = "Mail";

    public SmtpOptions Smtp { get; set; } = new();

    /// <summary>The name the templates sign with and put in subjects.</summary>
    public string ProductName { get; set; } = "Vpn.Perf";

    /// <summary>The sender looks for due messages at least this often even without a notification (retries, a lost NOTIFY).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Messages claimed at once and sent over one SMTP connection.</summary>
    public int BatchSize { get; set; } = 10;

    /// <summary>
    /// How long a claim keeps other senders off its messages. A sender that dies holding a claim delays its messages by
    /// this much; a claim must outlast the slowest batch (see <see cref="Validate"/>), or a live sender's message could
    /// be taken and sent twice.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Claims of one message before it is marked failed; a claim whose sender died counts too.</summary>
    public int MaxAttempts { get; set; } = 12;

    /// <summary>Delay after the first failed attempt; doubles per attempt up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The From address as configured (validated when the sender runs).</summary>
    internal MailboxAddress? FromAddress { get; private set; }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ProductName) || ProductName.Length > 100 || ProductName.Any(char.IsControl))
            throw new InvalidOperationException("Mail:ProductName must be 1 to 100 characters without control characters.");
        if (BatchSize is < 1 or > 1000) throw new InvalidOperationException($"Mail:BatchSize is {BatchSize}; it must be between 1 and 1000.");
        if (MaxAttempts is < 1 or > 100) throw new InvalidOperationException($"Mail:MaxAttempts is {MaxAttempts}; it must be between 1 and 100.");
        if (PollInterval <= TimeSpan.Zero || RetryBaseDelay <= TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
            throw new InvalidOperationException("Mail:PollInterval and Mail:RetryBaseDelay must be positive and Mail:RetryMaxDelay at least Mail:RetryBaseDelay.");
        if (Smtp.Timeout < TimeSpan.FromSeconds(1) || Smtp.Timeout > TimeSpan.FromMinutes(10))
            throw new InvalidOperationException($"Mail:Smtp:Timeout is {Smtp.Timeout}; it must be between 1 s and 10 min.");
        // Connect, authenticate and every message of a batch may each take up to the timeout.
        TimeSpan slowestBatch = Smtp.Timeout * (BatchSize + 2);
        if (Lease < slowestBatch)
            throw new InvalidOperationException($"Mail:Lease is {Lease}; it must be at least Mail:Smtp:Timeout x (Mail:BatchSize + 2) = {slowestBatch}, the longest a batch may take.");
        if (Smtp.From is not null) FromAddress = ParseFrom(Smtp.From);
        if (!Smtp.IsConfigured) return;

        if (Smtp.Port is < 0 or > 65535) throw new InvalidOperationException($"Mail:Smtp:Port is {Smtp.Port}; it must be between 1 and 65535 (0: the usual port of Mail:Smtp:Security).");
        if (!Enum.IsDefined(Smtp.Security)) throw new InvalidOperationException("Mail:Smtp:Security must be None, StartTls or Tls.");
        if (FromAddress is null) throw new InvalidOperationException("Mail:Smtp:From is not set; it is required when Mail:Smtp:Host is.");
        if (string.IsNullOrEmpty(Smtp.Username) != string.IsNullOrEmpty(Smtp.Password))
            throw new InvalidOperationException("Mail:Smtp:Username and Mail:Smtp:Password go together: set both or neither.");
    }

    /// <summary>
    /// base x 2^(attempts-1), capped at <see cref="RetryMaxDelay"/>: the wait after the <paramref name="attempts"/>-th
    /// failed attempt.
    /// </summary>
    internal TimeSpan Backoff(int attempts)
        => TimeSpan.FromMilliseconds(Math.Min(RetryMaxDelay.TotalMilliseconds, RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30))));

    private static MailboxAddress ParseFrom(string from)
    {
        // One plain mailbox with a domain: the Message-IDs are made from that domain.
        if (!MailboxAddress.TryParse(from, out MailboxAddress? address) || address.Domain.Length == 0 || address.Domain.Contains('>', StringComparison.Ordinal))
            throw new InvalidOperationException("Mail:Smtp:From is not one valid address (e.g. \"Vpn.Perf <no-reply@example.com>\" or no-reply@example.com).");
        return address;
    }
}
