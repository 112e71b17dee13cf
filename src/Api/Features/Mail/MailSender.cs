using MailKit.Net.Smtp;
using MimeKit;
using Npgsql;

namespace Vpn.Perf.Api.Features.Mail;

/// <summary>
/// Sends the queued mail of <c>mail_outbox</c> over SMTP. Wakes on <c>NOTIFY mail_outbox</c> (a message committed),
/// every <see cref="MailOptions.PollInterval"/> (retries coming due, a lost notification) and after every reconnect.
/// A drain claims due messages with a lease (several Api instances share the table; SKIP LOCKED), sends them over one
/// connection and records each outcome right after the server's answer. Delivery is at least once: a sender that dies
/// between the server's acceptance and that record leaves the claim to run out, and the message is sent again with the
/// same Message-ID (docs/mail.md).
/// </summary>
internal sealed class MailSender(NpgsqlDataSource db, MailTransport transport, MailOptions options, TimeProvider time, ILogger<MailSender> logger)
    : BackgroundService
{
    private static readonly TimeSpan MaxLoopDelay = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Smtp.IsConfigured)
        {
            MailLog.SenderOff(logger);
            return;
        }
        MailLog.SenderStarted(logger, options.Smtp.Host!, options.Smtp.EffectivePort, options.Smtp.Security);
        int failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection listener = await db.OpenConnectionAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand("listen " + MailStore.Channel, listener))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                while (true)
                {
                    // Drain first: on start and after a reconnect, notifications sent meanwhile were lost.
                    await DrainAsync(stoppingToken);
                    if (failures > 0)
                    {
                        MailLog.SenderRecovered(logger, failures);
                        failures = 0;
                    }
                    // A notification that arrives during a drain stays buffered and ends this wait at once.
                    await listener.WaitAsync(options.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Loop boundary: Postgres is unreachable (SMTP failures are recorded per message and never get here).
                // Claimed messages keep their lease and are taken again when it runs out.
                failures++;
                var delay = TimeSpan.FromTicks(Math.Min(options.PollInterval.Ticks << Math.Min(failures - 1, 10), MaxLoopDelay.Ticks));
                MailLog.SenderFailed(logger, failures, (long)delay.TotalMilliseconds, ex.Message);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Sends due messages batch by batch until none is due or the SMTP server cannot be reached; returns what happened.
    /// </summary>
    internal async Task<DrainResult> DrainAsync(CancellationToken ct)
    {
        int exhausted = await MailStore.ExpireExhaustedAsync(db, time.GetUtcNow(), options.MaxAttempts, ct);
        if (exhausted > 0) MailLog.Exhausted(logger, exhausted);
        var total = new DrainResult(0, 0, exhausted);
        while (true)
        {
            DateTimeOffset now = time.GetUtcNow();
            List<ClaimedMail> batch = await MailStore.ClaimAsync(db, now, now + options.Lease, options.BatchSize, options.MaxAttempts, ct);
            if (batch.Count == 0) return total;
            (DrainResult done, bool connectionLost) = await DeliverAsync(batch, ct);
            total = new DrainResult(total.Sent + done.Sent, total.Retried + done.Retried, total.Failed + done.Failed);
            if (done.Sent > 0) MailLog.Sent(logger, done.Sent);
            // The server is away: the next messages would fail the same way and only use up their attempts.
            if (connectionLost || batch.Count < options.BatchSize) return total;
        }
    }

    /// <summary>Sends one claim over one connection; true when the connection failed (the remaining messages wait their turn).</summary>
    private async Task<(DrainResult Done, bool ConnectionLost)> DeliverAsync(List<ClaimedMail> batch, CancellationToken ct)
    {
        int sent = 0, retried = 0, failed = 0;
        SmtpClient client;
        try
        {
            client = await transport.ConnectAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await MailStore.ReleaseAsync(db, batch, CancellationToken.None);
            throw;
        }
        catch (Exception ex)
        {
            string error = SmtpFailure.Describe(ex);
            MailLog.ConnectFailed(logger, batch.Count, error);
            foreach (ClaimedMail mail in batch) Count(await RecordFailureAsync(mail, error, permanent: false, ct), ref retried, ref failed);
            return (new DrainResult(0, retried, failed), true);
        }
        using (client)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                if (ct.IsCancellationRequested)
                {
                    // Stopping (a deploy): the messages not yet tried go back at once instead of waiting for the lease.
                    await MailStore.ReleaseAsync(db, batch.GetRange(i, batch.Count - i), CancellationToken.None);
                    ct.ThrowIfCancellationRequested();
                }
                ClaimedMail mail = batch[i];
                try
                {
                    using MimeMessage message = transport.Compose(mail);
                    // Not cancelled by a stop: a send cut in the middle has an unknown outcome and would be sent again
                    // after the lease. One message takes at most Mail:Smtp:Timeout, within the host's shutdown time.
                    await client.SendAsync(message, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    string error = SmtpFailure.Describe(ex);
                    Count(await RecordFailureAsync(mail, error, SmtpFailure.IsPermanent(ex), CancellationToken.None), ref retried, ref failed);
                    if (client.IsConnected) continue;
                    // The connection broke: this message's outcome is recorded; the rest of the claim was not tried.
                    for (int rest = i + 1; rest < batch.Count; rest++)
                        Count(await RecordFailureAsync(batch[rest], error, permanent: false, CancellationToken.None), ref retried, ref failed);
                    return (new DrainResult(sent, retried, failed), true);
                }
                // The server has it: recorded at once (a stop does not cut this short), since until then a restart would
                // send it again.
                await MailStore.MarkSentAsync(db, mail.Id, time.GetUtcNow(), CancellationToken.None);
                sent++;
            }
            try
            {
                await client.DisconnectAsync(quit: true, ct);
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                // Every message has its outcome; a QUIT that fails changes none of them.
            }
        }
        return (new DrainResult(sent, retried, failed), false);
    }

    private static void Count(bool gaveUp, ref int retried, ref int failed)
    {
        if (gaveUp) failed++;
        else retried++;
    }

    /// <summary>Puts the message back with backoff, or gives up on it; true when it gave up.</summary>
    private async Task<bool> RecordFailureAsync(ClaimedMail mail, string error, bool permanent, CancellationToken ct)
    {
        DateTimeOffset now = time.GetUtcNow();
        if (permanent || mail.Attempts >= options.MaxAttempts)
        {
            if (await MailStore.MarkFailedAsync(db, mail, now, error, ct)) MailLog.GaveUp(logger, mail.Id, mail.Attempts, error);
            return true;
        }
        TimeSpan delay = options.Backoff(mail.Attempts);
        if (await MailStore.MarkRetryAsync(db, mail, now + delay, error, ct)) MailLog.Retrying(logger, mail.Id, mail.Attempts, (long)delay.TotalMilliseconds, error);
        return false;
    }
}
