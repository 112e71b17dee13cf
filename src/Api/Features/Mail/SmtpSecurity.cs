namespace Vpn.Perf.Api.Features.Mail;

/// <summary>How the connection to the SMTP server is protected (<c>Mail:Smtp:Security</c>).</summary>
internal enum SmtpSecurity
{
    /// <summary>Plain text, no TLS: a relay on the same host or a test server only.</summary>
    None = 0,

    /// <summary>Plain connect, then STARTTLS, required: a server that does not offer it is an error, never a plain-text fallback.</summary>
    StartTls = 1,

    /// <summary>TLS from the first byte (SMTPS, usually port 465).</summary>
    Tls = 2,
}
