namespace Vpn.Perf.Api.Features.Mail;

/// <summary>A rendered message, ready to queue: <see cref="Kind"/> names its template (<see cref="MailKinds"/>).</summary>
internal sealed record OutgoingMail(string Kind, string To, string Subject, string TextBody, string HtmlBody);
