namespace Vpn.Perf.Api.Features.Auth;

/// <summary>What login, register and refresh answer. The refresh token is shown only here; the server keeps its SHA-256.</summary>
internal sealed record TokenResponse(
    string AccessToken,
    DateTimeOffset AccessTokenExpiresAt,
    string RefreshToken,
    DateTimeOffset RefreshTokenExpiresAt,
    Guid SessionId);

/// <summary>
/// What register answers, whether the address was new or taken: nothing in it confirms either. No tokens; the
/// account signs in with <c>login</c>.
/// </summary>
internal sealed record RegisterResponse(string Status, string Message)
{
    public static readonly RegisterResponse Generic = new("accepted",
        "If this email address can be registered, the account is ready: sign in with it and the password you chose.");
}

internal sealed record GroupRef(Guid Id, string Name);

internal sealed record MeResponse(Guid Id, string? Email, string? Username, string Role, IReadOnlyList<GroupRef> Groups, DateTimeOffset CreatedAt);

/// <summary>One signed-in device; <c>current</c> marks the session of the access token that asked.</summary>
internal sealed record SessionResponse(Guid Id, string Device, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt, bool Current);
