namespace Vpn.Perf.Api.Features.Auth;

/// <summary>One signed-in device; <c>current</c> marks the session of the access token that asked.</summary>
internal sealed record SessionResponse(Guid Id, string Device, DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, DateTimeOffset ExpiresAt, bool Current);
