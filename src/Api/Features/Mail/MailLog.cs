namespace Vpn.Perf.Api.Features.Mail;

/// <summary>Log messages of the mail sender: message ids and counts, never a recipient address, a body or a credential.</summary>
internal static partial class MailLog
{
    // Information, not a warning: a host without mail (a test host, a tool) is a setting, not a fault; it still shows in
    // a production log, whose default level is Information.
    [LoggerMessage(Level = LogLevel.Information, Message = "Mail is not sent: Mail:Smtp:Host is not set. Messages stay queued in mail_outbox until a sender with SMTP settings runs")]
    public static partial void SenderOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail sender started: SMTP {Host}:{Port} ({Security})")]
    public static partial void SenderStarted(ILogger logger, string host, int port, SmtpSecurity security);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sent {Count} message(s)")]
    public static partial void Sent(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SMTP connection failed; the {Count} claimed message(s) wait for their next attempt: {Error}")]
    public static partial void ConnectFailed(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail {MailId} attempt {Attempt} failed, retrying in {DelayMs} ms: {Error}")]
    public static partial void Retrying(ILogger logger, Guid mailId, int attempt, long delayMs, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Mail {MailId} failed for good after {Attempts} attempt(s): {Error}")]
    public static partial void GaveUp(ILogger logger, Guid mailId, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} mail message(s) failed for good: their last allowed attempt's sender stopped before recording its outcome")]
    public static partial void Exhausted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mail sender failed (attempt {Attempt}, retrying in {DelayMs} ms; queued mail stays queued): {Error}")]
    public static partial void SenderFailed(ILogger logger, int attempt, long delayMs, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Mail sender recovered after {Attempts} failed attempt(s)")]
    public static partial void SenderRecovered(ILogger logger, int attempts);
}
