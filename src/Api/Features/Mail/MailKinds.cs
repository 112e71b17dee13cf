namespace Vpn.Perf.Api.Features.Mail;

/// <summary>The templates, as stored in <c>mail_outbox.kind</c>.</summary>
internal static class MailKinds
{
    public const string EmailVerification = "email-verification";
    public const string PasswordReset = "password-reset";
    public const string PasswordChanged = "password-changed";
}
