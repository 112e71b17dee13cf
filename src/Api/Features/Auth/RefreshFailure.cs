namespace Vpn.Perf.Api.Features.Auth;

/// <summary>Why a refresh token was refused; each answers 401 <c>invalid-token</c>, with its own detail.</summary>
internal enum RefreshFailure
{
    None,
    Unknown,
    Reused,
    Ended,
    Disabled,
}
