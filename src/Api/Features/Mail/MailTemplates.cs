using System.Globalization;
using System.Net;
using System.Text;

namespace Vpn.Perf.Api.Features.Mail;

/// <summary>
/// The account messages, each as plain text and HTML with the same content. Every value that reaches the HTML (the
/// product name, the link, a time) is HTML-escaped, attribute values included. Links must be absolute http(s) URLs:
/// anything else is a bug of the caller, not something to put in a message.
/// </summary>
internal sealed class MailTemplates(MailOptions options)
{
    private string Product => options.ProductName;

    public OutgoingMail EmailVerification(string to, Uri link, DateTimeOffset expiresAt)
    {
        CheckLink(link);
        string expires = Time(expiresAt);
        return Render(MailKinds.EmailVerification, to, $"Confirm your email address for {Product}",
            $"Please confirm the email address of your {Product} account by opening this link:",
            link, "Confirm email address",
            $"The link works once and expires at {expires}. If you did not create an account, ignore this message.");
    }

    public OutgoingMail PasswordReset(string to, Uri link, DateTimeOffset expiresAt)
    {
        CheckLink(link);
        string expires = Time(expiresAt);
        return Render(MailKinds.PasswordReset, to, $"Reset your {Product} password",
            $"Someone asked to reset the password of your {Product} account. To choose a new password, open this link:",
            link, "Choose a new password",
            $"The link works once and expires at {expires}. Setting a new password signs out every device. "
            + "If you did not ask for this, ignore this message: your password stays as it is.");
    }

    public OutgoingMail PasswordChanged(string to, DateTimeOffset changedAt)
        => Render(MailKinds.PasswordChanged, to, $"Your {Product} password was changed",
            $"The password of your {Product} account was changed at {Time(changedAt)}.",
            null, null,
            "If you did this, there is nothing to do. If you did not, reset your password now with \"Forgot password\" and contact support.");

    /// <summary>One paragraph, an optional link (shown as a button and as the plain URL), one closing paragraph.</summary>
    private OutgoingMail Render(string kind, string to, string subject, string lead, Uri? link, string? linkLabel, string closing)
    {
        var text = new StringBuilder();
        text.Append("Hello,\n\n").Append(lead).Append("\n\n");
        if (link is not null) text.Append(link.AbsoluteUri).Append("\n\n");
        text.Append(closing).Append("\n\n").Append("-- \n").Append(Product).Append('\n');

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").Append(Escape(subject)).Append("</title></head>\n")
            .Append("<body style=\"font-family:sans-serif;line-height:1.5\">\n")
            .Append("<p>Hello,</p>\n<p>").Append(Escape(lead)).Append("</p>\n");
        if (link is not null)
        {
            string href = Escape(link.AbsoluteUri);
            html.Append("<p><a href=\"").Append(href).Append("\">").Append(Escape(linkLabel ?? link.AbsoluteUri)).Append("</a></p>\n")
                .Append("<p>If the button does not work, copy this address into your browser:<br>").Append(href).Append("</p>\n");
        }
        html.Append("<p>").Append(Escape(closing)).Append("</p>\n<p>&mdash; ").Append(Escape(Product)).Append("</p>\n</body></html>\n");
        return new OutgoingMail(kind, to, subject, text.ToString(), html.ToString());
    }

    private static string Escape(string value) => WebUtility.HtmlEncode(value);

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static void CheckLink(Uri link)
    {
        if (!link.IsAbsoluteUri || (link.Scheme != Uri.UriSchemeHttps && link.Scheme != Uri.UriSchemeHttp))
            throw new ArgumentException("A mail link must be an absolute http or https URL.", nameof(link));
    }
}
