namespace Vpn.Perf.Api.Features.Mail;

/// <summary>The SMTP server mail is sent through (section <c>Mail:Smtp</c>); no host means the sender does not run.</summary>
internal sealed class SmtpOptions
{
    public string? Host { get; set; }

    /// <summary>0 picks the usual port of <see cref="Security"/>: 25, 587 (STARTTLS) or 465 (TLS).</summary>
    public int Port { get; set; }

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>Both or neither: without them the sender does not authenticate.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>The From address, e.g. <c>Vpn.Perf &lt;no-reply@example.com&gt;</c>; its domain also names the messages' Message-IDs.</summary>
    public string? From { get; set; }

    /// <summary>One SMTP step (connect, authenticate, one message) may take this long before it counts as a failure.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(20);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);

    public int EffectivePort => Port != 0 ? Port : Security switch
    {
        SmtpSecurity.Tls => 465,
        SmtpSecurity.StartTls => 587,
        _ => 25,
    };
}
