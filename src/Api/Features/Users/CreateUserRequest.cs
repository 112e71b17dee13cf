namespace Vpn.Perf.Api.Features.Users;

/// <summary>A new account: an email (customers) or a username (staff), or both; the role decides what it may do.</summary>
internal sealed record CreateUserRequest(string? Email, string? Username, string? Role, string? Password);
