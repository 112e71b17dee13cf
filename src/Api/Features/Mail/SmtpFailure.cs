using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Vpn.Perf.Api.Features.Mail;

/// <summary>
/// What a failed SMTP step means for the message, and how it is described in <c>last_error</c> and the log. The
/// description is built from the failure's kind and codes only, never from the server's text, which may quote the
/// recipient's address (<c>550 5.1.1 &lt;someone@example.com&gt;: no such user</c>), or from credentials.
/// </summary>
internal static class SmtpFailure
{
    /// <summary>
    /// The server refused this message for good (a 5xx reply to its recipient or its content): retrying cannot help.
    /// A refused sender address or a failed sign-in is a setting of ours, not the message's fault, and is retried.
    /// </summary>
    public static bool IsPermanent(Exception ex)
        => ex is SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted } command
           && (int)command.StatusCode >= 500;

    public static string Describe(Exception ex) => ex switch
    {
        SmtpCommandException command => $"SMTP server replied {(int)command.StatusCode} ({Command(command.ErrorCode)})",
        AuthenticationException => "SMTP authentication failed (Mail:Smtp:Username, Mail:Smtp:Password)",
        SslHandshakeException => "TLS handshake with the SMTP server failed",
        // MailKit's answer when STARTTLS is required and the server does not offer it; never a plain-text fallback.
        NotSupportedException => "the SMTP server does not offer what Mail:Smtp asks for (STARTTLS or authentication)",
        SocketException socket => $"cannot connect to the SMTP server ({socket.SocketErrorCode})",
        TimeoutException or OperationCanceledException => "the SMTP server did not answer in time (Mail:Smtp:Timeout)",
        SmtpProtocolException => "the SMTP connection broke or the server broke the protocol",
        ServiceNotConnectedException => "the SMTP connection was lost",
        IOException => "the SMTP connection broke",
        _ => $"sending failed ({ex.GetType().Name})",
    };

    private static string Command(SmtpErrorCode code) => code switch
    {
        SmtpErrorCode.RecipientNotAccepted => "recipient refused",
        SmtpErrorCode.SenderNotAccepted => "sender address refused",
        SmtpErrorCode.MessageNotAccepted => "message refused",
        _ => "unexpected reply",
    };
}
