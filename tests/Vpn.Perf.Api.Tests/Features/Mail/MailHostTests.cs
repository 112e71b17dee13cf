using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Vpn.Perf.Api.Features.Mail;
using Vpn.Perf.Api.Tests.Features.StateSync;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.Mail.MailTest;

namespace Vpn.Perf.Api.Tests.Features.Mail;

/// <summary>The sender as the Api runs it: registered by the host, configured by <c>Mail:*</c>, woken by NOTIFY.</summary>
public sealed class MailHostTests
{
    [Fact]
    public async Task Sender_MessageCommitted_SentOnItsNotificationWithoutWaitingForAPoll()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Sender_MessageCommitted_SentOnItsNotificationWithoutWaitingForAPoll), new Dictionary<string, string?>
        {
            ["Mail:Smtp:Host"] = SmtpEndPoint.Host,
            ["Mail:Smtp:Port"] = SmtpEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mail:Smtp:Security"] = "None",
            ["Mail:Smtp:From"] = From,
            ["Auth:PublicBaseUrl"] = "https://vpn.example.test",
            // Far beyond the test's deadline: only the start-up drain and NOTIFY can send anything here.
            ["Mail:PollInterval"] = "01:00:00",
        });
        await using NpgsqlDataSource db = api.OpenDataSource();
        MailOutbox outbox = api.Services.GetRequiredService<MailOutbox>();

        // The first may go out with the start-up drain; once it is captured the sender waits, and only the second's
        // notification can wake it.
        string first = Recipient("host-first"), second = Recipient("host-second");
        await EnqueueAsync(db, outbox, first);
        await SyncTest.UntilAsync(() => Task.FromResult(Captured(first).Count == 1), "the first message to be captured");
        await EnqueueAsync(db, outbox, second);
        await SyncTest.UntilAsync(() => Task.FromResult(Captured(second).Count == 1), "the second message to be captured");
        await SyncTest.UntilAsync(async () => await TestSql.ScalarAsync<long>(db, "select count(*) from mail_outbox where sent_at is null") == 0, "both to be marked sent");
        Assert.Single(Captured(first));
    }

    [Fact]
    public void AddMail_InvalidSettings_HostDoesNotStart()
    {
        var ex = Assert.ThrowsAny<Exception>(() =>
        {
            using var api = new ApiFactory(TestServers.Postgres, new Dictionary<string, string?>
            {
                ["Mail:Smtp:Host"] = "smtp.example.test",
                ["Auth:PublicBaseUrl"] = "https://vpn.example.test",
            });
            _ = api.Services;
        });
        Assert.Contains("Mail:Smtp:From is not set", ex.ToString(), StringComparison.Ordinal);
    }
}
