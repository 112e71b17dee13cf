using Microsoft.Extensions.Logging;
using MimeKit;
using Npgsql;
using Vpn.Perf.Api.Features.Mail;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Mail;

/// <summary>
/// Shared pieces of the mail tests: the capturing SMTP server the test set-up starts (tests/infra/smtp_capture.py,
/// <c>VPNPERF_SMTP</c>, writing the maildir <c>VPNPERF_SMTP_MAILDIR</c>), settings that point a sender at it, and the
/// messages it captured for one recipient. Tests share that server and tell their messages apart by recipients of
/// their own (<see cref="Recipient"/>); each has a database of its own, and a clock it moves by hand.
/// </summary>
internal static class MailTest
{
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public const string From = "no-reply@vpnperf.test";

    /// <summary>The capturing server's host:port (its default port when the set-up did not say).</summary>
    public static string Smtp => Environment.GetEnvironmentVariable("VPNPERF_SMTP") is { Length: > 0 } s ? s : "127.0.0.1:55025";

    public static (string Host, int Port) SmtpEndPoint
    {
        get
        {
            int colon = Smtp.LastIndexOf(':');
            return (Smtp[..colon], int.Parse(Smtp[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public static string Maildir
    {
        get
        {
            if (Environment.GetEnvironmentVariable("VPNPERF_SMTP_MAILDIR") is { Length: > 0 } dir) return dir;
            string schema = TestServers.SchemaDirectory; // <repo>/schema/postgres
            return Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(schema)!)!, ".data", "mail");
        }
    }

    /// <summary>A recipient no other test uses, at a domain that gets the server's answer <paramref name="domain"/> cues.</summary>
    public static string Recipient(string tag, string domain = "example.test") => $"{tag}-{Guid.NewGuid():N}@{domain}".ToLowerInvariant();

    /// <summary>Settings of a sender aimed at the capturing server (or at <paramref name="port"/>, a proxy in front of it), validated.</summary>
    public static MailOptions Options(int? port = null, Action<MailOptions>? change = null)
    {
        var options = new MailOptions
        {
            ProductName = "Vpn.Perf tests",
            Smtp = new SmtpOptions
            {
                Host = SmtpEndPoint.Host,
                Port = port ?? SmtpEndPoint.Port,
                Security = SmtpSecurity.None,
                From = "Vpn.Perf tests <" + From + ">",
                Timeout = TimeSpan.FromSeconds(10),
            },
            BatchSize = 5,
            Lease = TimeSpan.FromMinutes(5),
        };
        change?.Invoke(options);
        options.Validate();
        return options;
    }

    public static MailSender Sender(NpgsqlDataSource db, MailOptions options, TimeProvider time, LogCapture? log = null)
    {
        ILoggerFactory logs = LoggerFactory.Create(b =>
        {
            if (log is not null) b.AddProvider(log);
        });
        return new MailSender(db, new MailTransport(options), options, time, logs.CreateLogger<MailSender>());
    }

    public static MailOutbox Outbox(MailOptions options, TimeProvider time) => new(new MailTemplates(options), options, time);

    /// <summary>Queues the password-changed message to <paramref name="to"/> and commits.</summary>
    public static async Task<Guid> EnqueueAsync(NpgsqlDataSource db, MailOutbox outbox, string to)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync();
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync();
        Guid id = await outbox.EnqueuePasswordChangedAsync(conn, tx, to, Start, CancellationToken.None);
        await tx.CommitAsync();
        return id;
    }

    /// <summary>Every message the capturing server accepted for <paramref name="recipient"/>, oldest first.</summary>
    public static List<MimeMessage> Captured(string recipient)
    {
        string dir = Path.Combine(Maildir, "new");
        var found = new List<(DateTime At, MimeMessage Message)>();
        if (!Directory.Exists(dir)) return [];
        foreach (string file in Directory.EnumerateFiles(dir))
        {
            MimeMessage message = MimeMessage.Load(file);
            if (string.Equals(message.Headers["X-Envelope-To"], recipient, StringComparison.OrdinalIgnoreCase))
                found.Add((File.GetLastWriteTimeUtc(file), message));
            else message.Dispose();
        }
        found.Sort((a, b) => a.At.CompareTo(b.At));
        return found.ConvertAll(f => f.Message);
    }

    public static MutableTime Clock() => new(Start);

    public static Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, params object?[] args) => TestSql.ScalarAsync<T>(db, sql, args);
}
