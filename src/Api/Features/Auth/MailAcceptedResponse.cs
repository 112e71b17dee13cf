namespace Vpn.Perf.Api.Features.Auth;

/// <summary>
/// The 202 of the endpoints that queue account mail. Forgot-password answers <see cref="PasswordReset"/> whether or not
/// the address has an account: nothing in it confirms either.
/// </summary>
internal sealed record MailAcceptedResponse(string Status, string Message)
{
    public static readonly MailAcceptedResponse PasswordReset = new("accepted",
        "If an account has this email address, a link to choose a new password is on its way to it. The link works once; "
        + "only the newest one works.");

    public static readonly MailAcceptedResponse Verification = new("accepted",
        "A new verification mail is on its way to the account's address; links of earlier ones no longer work.");
}
