namespace Vpn.Perf.Api.Features.Users;

/// <summary>Changes only the fields that are present (null = unchanged).</summary>
internal sealed record UpdateUserRequest(string? Email, string? Username, string? Role, string? Password, bool? Disabled);
