using Vpn.Perf.Api.Features.Mail;

namespace Vpn.Perf.Api.Tests.Features.Mail;

public sealed class MailTemplatesTests
{
    private const string To = "someone@example.test";

    // Every value that reaches the HTML carries markup characters, so an unescaped one shows as a raw '<' or '"'.
    private static readonly MailTemplates Templates = new(new MailOptions { ProductName = "Fast & <b>\"Free\"</b> VPN" });
    private static readonly Uri Link = new("https://panel.example.test/reset?token=a1_B2-c3&lang=en#x\"<y>");
    private static readonly DateTimeOffset Expires = new(2030, 5, 6, 7, 8, 9, TimeSpan.FromHours(2));

    [Fact]
    public void EmailVerification_Rendered_HasLinkAndExpiryInBothPartsAndEscapesHtml()
    {
        OutgoingMail mail = Templates.EmailVerification(To, Link, Expires);

        Assert.Equal(MailKinds.EmailVerification, mail.Kind);
        Assert.Equal(To, mail.To);
        Assert.Equal("Confirm your email address for Fast & <b>\"Free\"</b> VPN", mail.Subject);
        AssertLinkAndExpiry(mail);
        AssertEscaped(mail);
    }

    [Fact]
    public void PasswordReset_Rendered_HasLinkAndExpiryInBothPartsAndEscapesHtml()
    {
        OutgoingMail mail = Templates.PasswordReset(To, Link, Expires);

        Assert.Equal(MailKinds.PasswordReset, mail.Kind);
        Assert.Equal("Reset your Fast & <b>\"Free\"</b> VPN password", mail.Subject);
        AssertLinkAndExpiry(mail);
        AssertEscaped(mail);
        Assert.Contains("your password stays as it is", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void PasswordChanged_Rendered_HasTimeAndNoLinkAndEscapesHtml()
    {
        OutgoingMail mail = Templates.PasswordChanged(To, Expires);

        Assert.Equal(MailKinds.PasswordChanged, mail.Kind);
        Assert.Equal("Your Fast & <b>\"Free\"</b> VPN password was changed", mail.Subject);
        Assert.Contains("2030-05-06 05:08 UTC", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("2030-05-06 05:08 UTC", mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("href", mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("http", mail.TextBody, StringComparison.Ordinal);
        AssertEscaped(mail);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("mailto:someone@example.test")]
    public void PasswordReset_LinkNotHttp_Throws(string link)
    {
        Assert.Throws<ArgumentException>(() => Templates.PasswordReset(To, new Uri(link), Expires));
        Assert.Throws<ArgumentException>(() => Templates.EmailVerification(To, new Uri(link), Expires));
    }

    private static void AssertLinkAndExpiry(OutgoingMail mail)
    {
        // The time in UTC whatever offset it came with; the link whole, in the text as it is and in the HTML escaped.
        Assert.Contains("2030-05-06 05:08 UTC", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("2030-05-06 05:08 UTC", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(Link.AbsoluteUri, mail.TextBody, StringComparison.Ordinal);
        string escaped = System.Net.WebUtility.HtmlEncode(Link.AbsoluteUri);
        Assert.Contains("&amp;lang=en", escaped, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{escaped}\">", mail.HtmlBody, StringComparison.Ordinal);
    }

    private static void AssertEscaped(OutgoingMail mail)
    {
        Assert.Contains("Fast &amp; &lt;b&gt;&quot;Free&quot;&lt;/b&gt; VPN", mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Free\"", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Fast & <b>\"Free\"</b> VPN", mail.TextBody, StringComparison.Ordinal);
    }
}
