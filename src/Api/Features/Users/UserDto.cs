namespace Vpn.Perf.Api.Features.Users;

/// <summary>A user as the administration sees it; the password hash never leaves the database.</summary>
internal sealed record UserDto(Guid Id, string? Email, string? Username, string Role, bool Disabled, DateTimeOffset CreatedAt, IReadOnlyList<Guid> GroupIds);
