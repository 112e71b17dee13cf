using MimeKit;
using Npgsql;
using Vpn.Perf.Api.Features.Mail;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Testing;
using static Vpn.Perf.Api.Tests.Features.Mail.MailTest;

namespace Vpn.Perf.Api.Tests.Features.Mail;

/// <summary>
/// The outbox and its sender against the real Postgres and the capturing SMTP server. Each test drives the sender's
/// drain itself, with a clock it moves by hand, so retries and leases are decided by that clock and never by how
/// fast the machine is.
/// </summary>
public sealed class MailSenderTests
{
    [Fact]
    public async Task Enqueue_TransactionRolledBack_NothingQueuedOrSent()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Enqueue_TransactionRolledBack_NothingQueuedOrSent));
        await using NpgsqlDataSource db = api.OpenDataSource();
        MailOptions options = Options();
        var clock = Clock();
        string to = Recipient("rollback");
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync())
        await using (NpgsqlTransaction tx = await conn.BeginTransactionAsync())
        {
            await Outbox(options, clock).EnqueuePasswordChangedAsync(conn, tx, to, Start, CancellationToken.None);
            await tx.RollbackAsync();
        }

        Assert.Equal(new DrainResult(0, 0, 0), await Sender(db, options, clock).DrainAsync(CancellationToken.None));
        Assert.Equal(0L, await ScalarAsync<long>(db, "select count(*) from mail_outbox"));
        Assert.Empty(Captured(to));
    }

    [Fact]
    public async Task Drain_CommittedMessage_SentOnceWithItsHeadersAndBodies()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Drain_CommittedMessage_SentOnceWithItsHeadersAndBodies));
        await using NpgsqlDataSource db = api.OpenDataSource();
        MailOptions options = Options();
        var clock = Clock();
        string to = Recipient("commit");
        var link = new Uri("https://panel.example.test/verify-email?token=abc_DEF-123");
        Guid id;
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync())
        await using (NpgsqlTransaction tx = await conn.BeginTransactionAsync())
        {
            id = await Outbox(options, clock).EnqueueEmailVerificationAsync(conn, tx, to, link, Start.AddHours(24), CancellationToken.None);
            await tx.CommitAsync();
        }
        string messageId = await ScalarAsync<string>(db, "select message_id from mail_outbox where id = $1", id);
        Assert.Equal(id.ToString("N") + "@vpnperf.test", messageId);

        MailSender sender = Sender(db, options, clock);
        Assert.Equal(new DrainResult(1, 0, 0), await sender.DrainAsync(CancellationToken.None));
        Assert.Equal(new DrainResult(0, 0, 0), await sender.DrainAsync(CancellationToken.None));

        MimeMessage mail = Assert.Single(Captured(to));
        Assert.Equal(messageId, mail.MessageId);
        Assert.Equal(From, Assert.IsType<MailboxAddress>(Assert.Single(mail.From)).Address);
        Assert.Equal("Vpn.Perf tests", Assert.IsType<MailboxAddress>(Assert.Single(mail.From)).Name);
        Assert.Equal(to, Assert.IsType<MailboxAddress>(Assert.Single(mail.To)).Address);
        Assert.Equal(to, mail.Headers["X-Envelope-To"]);
        Assert.Equal(From, mail.Headers["X-Envelope-From"]);
        Assert.Equal("Confirm your email address for Vpn.Perf tests", mail.Subject);
        Assert.Equal(Start, mail.Date);
        Assert.Equal("auto-generated", mail.Headers["Auto-Submitted"]);
        Assert.Contains(link.AbsoluteUri, mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("2030-01-02 12:00 UTC", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains($"href=\"{link.AbsoluteUri}\"", mail.HtmlBody, StringComparison.Ordinal);

        // Sent: recorded with the attempt it took, and the bodies (which hold the link) are gone from the table.
        Assert.Equal(1, await ScalarAsync<int>(db, "select attempts from mail_outbox where id = $1", id));
        Assert.True(await ScalarAsync<bool>(db,
            "select sent_at = $2 and text_body is null and html_body is null and claimed_until is null and last_error is null from mail_outbox where id = $1",
            id, Start));
    }

    [Fact]
    public async Task Drain_SmtpDown_RetriedWithBackoffAndDeliveredOnceBack()
    {
        await using var proxy = new TcpFaultProxy(SmtpEndPoint.Host, SmtpEndPoint.Port);
        await using var api = await ApiFactory.StartAsync(nameof(Drain_SmtpDown_RetriedWithBackoffAndDeliveredOnceBack));
        await using NpgsqlDataSource db = api.OpenDataSource();
        MailOptions options = Options(proxy.Port);
        var clock = Clock();
        string to = Recipient("down");
        proxy.Block();
        Guid id = await EnqueueAsync(db, Outbox(options, clock), to);
        MailSender sender = Sender(db, options, clock);

        Assert.Equal(new DrainResult(0, 1, 0), await sender.DrainAsync(CancellationToken.None));
        Assert.Equal(Start + options.RetryBaseDelay, await NextAttemptAsync(db, id));
        // Not due yet: nothing is tried, however often the sender looks.
        Assert.Equal(new DrainResult(0, 0, 0), await sender.DrainAsync(CancellationToken.None));
        Assert.Equal(1, await ScalarAsync<int>(db, "select attempts from mail_outbox where id = $1", id));

        clock.Advance(options.RetryBaseDelay);
        Assert.Equal(new DrainResult(0, 1, 0), await sender.DrainAsync(CancellationToken.None));
        // Exponential: twice the first delay after the second failure.
        Assert.Equal(clock.GetUtcNow() + 2 * options.RetryBaseDelay, await NextAttemptAsync(db, id));
        // The blocked proxy accepts and then resets: the client sees it while connecting or while reading the greeting,
        // whichever the scheduler lets it reach first (CI saw both), and records it either way.
        Assert.Matches("^(cannot connect to the SMTP server|the SMTP connection broke)",
            await ScalarAsync<string>(db, "select last_error from mail_outbox where id = $1", id));

        proxy.Unblock();
        clock.Advance(2 * options.RetryBaseDelay);
        Assert.Equal(new DrainResult(1, 0, 0), await sender.DrainAsync(CancellationToken.None));
        Assert.Single(Captured(to));
        Assert.Equal(3, await ScalarAsync<int>(db, "select attempts from mail_outbox where id = $1", id));
        Assert.True(await ScalarAsync<bool>(db, "select sent_at is not null and last_error is null from mail_outbox where id = $1", id));
    }

    [Fact]
    public async Task Drain_AttemptsUsedUp_MarkedFailedAndNoAddressInErrorOrLog()
    {
        await using var proxy = new TcpFaultProxy(SmtpEndPoint.Host, SmtpEndPoint.Port);
        await using var api = await ApiFactory.StartAsync(nameof(Drain_AttemptsUsedUp_MarkedFailedAndNoAddressInErrorOrLog));
        await using NpgsqlDataSource db = api.OpenDataSource();
        MailOptions options = Options(proxy.Port, o => o.MaxAttempts = 2);
        var clock = Clock();
        var log = new LogCapture();
        string to = Recipient("exhausted");
        proxy.Block();
        Guid id = await EnqueueAsync(db, Outbox(options, clock), to);
        MailSender sender = Sender(db, options, clock, log);

        Assert.Equal(new DrainResult(0, 1, 0), await sender.DrainAsync(CancellationToken.None));
        clock.Advance(options.RetryBaseDelay);
        Assert.Equal(new DrainResult(0, 0, 1), await sender.DrainAsync(CancellationToken.None));
        clock.Advance(options.RetryMaxDelay);
        Assert.Equal(new DrainResult(0, 0, 0), await sender.DrainAsync(CancellationToken.None));

        Assert.True(await ScalarAsync<bool>(db,
            "select failed_at = $2 and sent_at is null and text_body is null and html_body is null and attempts = 2 from mail_outbox where id = $1",
            id, clock.GetUtcNow() - options.RetryMaxDelay));
        string error = await ScalarAsync<string>(db, "select last_error from mail_outbox where id = $1", id);
        Assert.DoesNotContain("@", error, StringComparison.Ordinal);
        Assert.Contains(log.Entries, e => e.Message.Contains("failed for good", StringComparison.Ordinal) && e.Message.Contains(id.ToString(), StringComparison.Ordinal));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains(to, StringComparison.OrdinalIgnoreCase)
            || e.Message.Contains(to.Split('@')[0], StringComparison.OrdinalIgnoreCase));
        Assert.Empty(Captured(to));
    }

    [Fact]
    public async Task Drain_RecipientsRefused_TemporaryRetriedPermanentFailedOthersSent()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Drain_RecipientsRefused_TemporaryRetriedPermanentFailedOthersSent));
        await using NpgsqlDataSource db = api.OpenDataSource();
        MailOptions options = Options();
        var clock = Clock();
        var log = new LogCapture();
        MailOutbox outbox = Outbox(options, clock);
        string later = Recipient("later", "tempfail.invalid"), never = Recipient("never", "reject.invalid"), fine = Recipient("fine");
        Guid laterId = await EnqueueAsync(db, outbox, later);
        Guid neverId = await EnqueueAsync(db, outbox, never);
        await EnqueueAsync(db, outbox, fine);

        // One connection: the refusals of the first two do not keep the third from being sent.
        Assert.Equal(new DrainResult(1, 1, 1), await Sender(db, options, clock, log).DrainAsync(CancellationToken.None));
        Assert.Single(Captured(fine));
        Assert.Equal("SMTP server replied 451 (recipient refused)", await ScalarAsync<string>(db, "select last_error from mail_outbox where id = $1 and next_attempt_at > $2", laterId, Start));
        Assert.Equal("SMTP server replied 550 (recipient refused)", await ScalarAsync<string>(db, "select last_error from mail_outbox where id = $1 and failed_at is not null", neverId));
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains('@', StringComparison.Ordinal));
    }

    [Fact]
    public async Task Drain_TwoSendersOnOneTable_EachMessageSentOnce()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Drain_TwoSendersOnOneTable_EachMessageSentOnce));
        await using NpgsqlDataSource db = api.OpenDataSource();
        MailOptions options = Options();
        var clock = Clock();
        MailOutbox outbox = Outbox(options, clock);
        var recipients = new List<string>();
        for (int i = 0; i < 30; i++)
        {
            recipients.Add(Recipient("pair" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await EnqueueAsync(db, outbox, recipients[^1]);
        }
        MailSender first = Sender(db, options, clock), second = Sender(db, options, clock);

        // Both drain at once, in batches of 5, until neither finds anything.
        int sent = 0;
        while (true)
        {
            DrainResult[] round = await Task.WhenAll(first.DrainAsync(CancellationToken.None), second.DrainAsync(CancellationToken.None));
            Assert.All(round, r => Assert.Equal(0, r.Retried + r.Failed));
            if (round[0].Sent + round[1].Sent == 0) break;
            sent += round[0].Sent + round[1].Sent;
        }

        Assert.Equal(30, sent);
        foreach (string to in recipients) Assert.Single(Captured(to));
        Assert.Equal(30L, await ScalarAsync<long>(db, "select count(*) from mail_outbox where sent_at is not null and attempts = 1"));
    }

    [Fact]
    public async Task Drain_SenderDiedAfterServerAccepted_SentAgainAfterLeaseWithSameMessageId()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Drain_SenderDiedAfterServerAccepted_SentAgainAfterLeaseWithSameMessageId));
        await using NpgsqlDataSource db = api.OpenDataSource();
        MailOptions options = Options();
        var clock = Clock();
        string to = Recipient("restart");
        Guid id = await EnqueueAsync(db, Outbox(options, clock), to);

        // A sender claims the message and the server takes it; the process dies before recording that (no mark).
        var transport = new MailTransport(options);
        ClaimedMail claimed = Assert.Single(await MailStore.ClaimAsync(db, clock.GetUtcNow(), clock.GetUtcNow() + options.Lease, options.BatchSize,
            options.MaxAttempts, CancellationToken.None));
        using (var client = await transport.ConnectAsync(CancellationToken.None))
        using (MimeMessage message = transport.Compose(claimed))
        {
            await client.SendAsync(message);
        }

        // The restarted sender leaves the claim alone while its lease holds ...
        MailSender restarted = Sender(db, options, clock);
        Assert.Equal(new DrainResult(0, 0, 0), await restarted.DrainAsync(CancellationToken.None));
        clock.Advance(options.Lease - TimeSpan.FromSeconds(1));
        Assert.Equal(new DrainResult(0, 0, 0), await restarted.DrainAsync(CancellationToken.None));
        // ... and sends the message again once it ran out: at least once, with the Message-ID of the first copy.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new DrainResult(1, 0, 0), await restarted.DrainAsync(CancellationToken.None));

        List<MimeMessage> copies = Captured(to);
        Assert.Equal(2, copies.Count);
        Assert.Equal(claimed.MessageId, copies[0].MessageId);
        Assert.Equal(claimed.MessageId, copies[1].MessageId);
        Assert.Equal(copies[0].Date, copies[1].Date);
        Assert.Equal(2, await ScalarAsync<int>(db, "select attempts from mail_outbox where id = $1 and sent_at is not null", id));
    }

    [Fact]
    public async Task Drain_LastAttemptsSenderDied_MarkedFailedAfterItsLease()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Drain_LastAttemptsSenderDied_MarkedFailedAfterItsLease));
        await using NpgsqlDataSource db = api.OpenDataSource();
        MailOptions options = Options(change: o => o.MaxAttempts = 1);
        var clock = Clock();
        Guid id = await EnqueueAsync(db, Outbox(options, clock), Recipient("poison"));
        Assert.Single(await MailStore.ClaimAsync(db, clock.GetUtcNow(), clock.GetUtcNow() + options.Lease, options.BatchSize, options.MaxAttempts,
            CancellationToken.None));

        clock.Advance(options.Lease);
        Assert.Equal(new DrainResult(0, 0, 1), await Sender(db, options, clock).DrainAsync(CancellationToken.None));
        Assert.True(await ScalarAsync<bool>(db, "select failed_at is not null and text_body is null and attempts = 1 from mail_outbox where id = $1", id));
    }

    [Fact]
    public async Task Drain_StartTlsRequiredServerWithoutIt_NothingSentInPlainText()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Drain_StartTlsRequiredServerWithoutIt_NothingSentInPlainText));
        await using NpgsqlDataSource db = api.OpenDataSource();
        MailOptions options = Options(change: o => o.Smtp.Security = SmtpSecurity.StartTls);
        var clock = Clock();
        string to = Recipient("starttls");
        Guid id = await EnqueueAsync(db, Outbox(options, clock), to);

        Assert.Equal(new DrainResult(0, 1, 0), await Sender(db, options, clock).DrainAsync(CancellationToken.None));
        Assert.Contains("STARTTLS", await ScalarAsync<string>(db, "select last_error from mail_outbox where id = $1", id), StringComparison.Ordinal);
        Assert.Empty(Captured(to));
    }

    [Fact]
    public async Task Drain_Credentials_RightOnesSendWrongOnesRetryWithoutTheSecret()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Drain_Credentials_RightOnesSendWrongOnesRetryWithoutTheSecret));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var clock = Clock();
        const string wrongPassword = "not-the-password-4711";
        MailOptions right = Options(change: o => (o.Smtp.Username, o.Smtp.Password) = ("vpnperf", "vpnperf-test"));
        MailOptions wrong = Options(change: o => (o.Smtp.Username, o.Smtp.Password) = ("vpnperf", wrongPassword));
        string toRefused = Recipient("auth-wrong");
        Guid refused = await EnqueueAsync(db, Outbox(wrong, clock), toRefused);

        Assert.Equal(new DrainResult(0, 1, 0), await Sender(db, wrong, clock).DrainAsync(CancellationToken.None));
        string error = await ScalarAsync<string>(db, "select last_error from mail_outbox where id = $1", refused);
        Assert.StartsWith("SMTP authentication failed", error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongPassword, error, StringComparison.Ordinal);

        clock.Advance(right.RetryBaseDelay);
        Assert.Equal(new DrainResult(1, 0, 0), await Sender(db, right, clock).DrainAsync(CancellationToken.None));
        Assert.Single(Captured(toRefused));
    }

    [Fact]
    public async Task Enqueue_NotOnePlainAddress_Throws()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Enqueue_NotOnePlainAddress_Throws));
        await using NpgsqlDataSource db = api.OpenDataSource();
        MailOutbox outbox = Outbox(Options(), Clock());
        await using NpgsqlConnection conn = await db.OpenConnectionAsync();
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync();
        foreach (string bad in new[] { "no-at-sign", "Name <a@example.test>", "a@example.test, b@example.test", "a@example.test\r\nBcc: b@example.test" })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => outbox.EnqueuePasswordChangedAsync(conn, tx, bad, Start, CancellationToken.None));
        }
    }

    private static async Task<DateTimeOffset> NextAttemptAsync(NpgsqlDataSource db, Guid id)
        => new(await ScalarAsync<DateTime>(db, "select next_attempt_at from mail_outbox where id = $1", id));
}
