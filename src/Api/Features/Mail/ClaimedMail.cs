namespace Vpn.Perf.Api.Features.Mail;

/// <summary>
/// A message a sender has claimed: its content, its stable Message-ID, and <see cref="ClaimedUntil"/>, the lease that
/// identifies this claim when the outcome is recorded (a later claim by another sender has another).
/// </summary>
internal sealed record ClaimedMail(Guid Id, string Kind, string To, string Subject, string TextBody, string HtmlBody, string MessageId,
    DateTimeOffset CreatedAt, int Attempts, DateTimeOffset ClaimedUntil);
