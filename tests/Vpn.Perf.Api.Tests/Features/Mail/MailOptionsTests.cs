using Vpn.Perf.Api.Features.Mail;

namespace Vpn.Perf.Api.Tests.Features.Mail;

public sealed class MailOptionsTests
{
    [Fact]
    public void Validate_NoHost_SenderOffAndNothingElseRequired()
    {
        var options = new MailOptions();
        options.Validate();
        Assert.False(options.Smtp.IsConfigured);
    }

    [Theory]
    [InlineData("None", 25)]
    [InlineData("StartTls", 587)]
    [InlineData("Tls", 465)]
    public void EffectivePort_NotSet_UsualPortOfTheSecurity(string security, int port)
        => Assert.Equal(port, new SmtpOptions { Host = "smtp.example.test", Security = Enum.Parse<SmtpSecurity>(security) }.EffectivePort);

    [Theory]
    [InlineData(null, null, null, "Mail:Smtp:From is not set")]
    [InlineData("not an address", null, null, "Mail:Smtp:From is not one valid address")]
    [InlineData("no-reply@example.test", "user", null, "Username and Mail:Smtp:Password go together")]
    [InlineData("no-reply@example.test", null, "secret-password", "Username and Mail:Smtp:Password go together")]
    public void Validate_HostWithIncompleteSettings_ThrowsNamingTheSetting(string? from, string? user, string? password, string message)
    {
        var options = new MailOptions { Smtp = new SmtpOptions { Host = "smtp.example.test", From = from, Username = user, Password = password } };
        var ex = Assert.Throws<InvalidOperationException>(options.Validate);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LeaseShorterThanTheSlowestBatch_Throws()
    {
        var options = new MailOptions { BatchSize = 10, Lease = TimeSpan.FromMinutes(1), Smtp = new SmtpOptions { Timeout = TimeSpan.FromSeconds(20) } };
        var ex = Assert.Throws<InvalidOperationException>(options.Validate);
        Assert.Contains("Mail:Lease", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backoff_DoublesPerAttemptUpToTheCap()
    {
        var options = new MailOptions { RetryBaseDelay = TimeSpan.FromSeconds(30), RetryMaxDelay = TimeSpan.FromMinutes(5) };
        Assert.Equal(TimeSpan.FromSeconds(30), options.Backoff(1));
        Assert.Equal(TimeSpan.FromSeconds(60), options.Backoff(2));
        Assert.Equal(TimeSpan.FromSeconds(240), options.Backoff(4));
        Assert.Equal(TimeSpan.FromMinutes(5), options.Backoff(5));
        Assert.Equal(TimeSpan.FromMinutes(5), options.Backoff(99));
    }
}
