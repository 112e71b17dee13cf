namespace Vpn.Perf.Api.Features.Users;

/// <summary>
/// A user as the administration sees it; the password hash never leaves the database. <c>emailVerifiedAt</c> is when
/// the address was confirmed by a verification or reset mail's link (null: not verified).
/// </summary>
internal sealed record UserDto(Guid Id, string? Email, string? Username, string Role, bool Disabled, DateTimeOffset CreatedAt, IReadOnlyList<Guid> GroupIds,
    bool EmailVerified, DateTimeOffset? EmailVerifiedAt);
