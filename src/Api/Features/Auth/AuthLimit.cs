namespace Vpn.Perf.Api.Features.Auth;

/// <summary>What an auth rate limit counts.</summary>
internal enum AuthLimit
{
    LoginPerIp,
    LoginPerAccount,
    RegisterPerIp,
    RegisterPerAccount,
    PasswordResetPerIp,
    PasswordResetPerAccount,
    VerificationMailPerAccount,
    AccountTokenPerIp,
}
