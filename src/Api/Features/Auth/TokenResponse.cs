namespace Vpn.Perf.Api.Features.Auth;

/// <summary>What login, register and refresh answer. The refresh token is shown only here; the server keeps its SHA-256.</summary>
internal sealed record TokenResponse(
    string AccessToken,
    DateTimeOffset AccessTokenExpiresAt,
    string RefreshToken,
    DateTimeOffset RefreshTokenExpiresAt,
    Guid SessionId);
