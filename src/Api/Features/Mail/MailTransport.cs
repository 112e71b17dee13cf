using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Vpn.Perf.Api.Features.Mail;

/// <summary>The SMTP side of the sender: a connection as <see cref="SmtpOptions"/> says, and the MIME form of a claimed message.</summary>
internal sealed class MailTransport(MailOptions options)
{
    /// <summary>Connects (with the configured TLS), signs in when credentials are set, and hands over the open client.</summary>
    public async Task<SmtpClient> ConnectAsync(CancellationToken ct)
    {
        SmtpOptions smtp = options.Smtp;
        var client = new SmtpClient { Timeout = (int)smtp.Timeout.TotalMilliseconds };
        try
        {
            SecureSocketOptions security = smtp.Security switch
            {
                SmtpSecurity.Tls => SecureSocketOptions.SslOnConnect,
                // Required, not "when available": a server (or a man in the middle) that hides STARTTLS gets no plain text.
                SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.None,
            };
            await client.ConnectAsync(smtp.Host ?? throw new InvalidOperationException("Mail:Smtp:Host is not set."), smtp.EffectivePort, security, ct);
            // Validated as a pair: a username comes with its password.
            if (!string.IsNullOrEmpty(smtp.Username)) await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", ct);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The message as it goes on the wire. Everything in it comes from the row, so every attempt sends the same
    /// message: the same Message-ID, by which mail clients drop a copy sent twice, and the same Date (the queueing time).
    /// </summary>
    public MimeMessage Compose(ClaimedMail mail)
    {
        var message = new MimeMessage();
        // Parsed per message: an address object subscribes to the list it is added to, so one instance is not shared.
        message.From.Add(MailboxAddress.Parse(options.Smtp.From ?? throw new InvalidOperationException("Mail:Smtp:From is not set.")));
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.Subject = mail.Subject;
        message.MessageId = mail.MessageId;
        message.Date = mail.CreatedAt;
        // RFC 3834: an automatic message, so auto-responders (vacation replies) leave it alone.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new BodyBuilder { TextBody = mail.TextBody, HtmlBody = mail.HtmlBody }.ToMessageBody();
        return message;
    }
}
