namespace Vpn.Perf.Api.Features.Auth;

/// <summary>
/// What register answers, whether the address was new or taken: nothing in it confirms either. No tokens; the
/// account signs in with <c>login</c>, and a new one gets a verification mail.
/// </summary>
internal sealed record RegisterResponse(string Status, string Message)
{
    public static readonly RegisterResponse Generic = new("accepted",
        "If this email address can be registered, the account is ready: sign in with it and the password you chose, "
        + "and confirm the address with the link we mail to it.");
}
