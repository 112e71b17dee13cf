namespace Vpn.Perf.Api.Features.Auth;

/// <summary>Sign in with exactly one of <c>email</c> (customers) or <c>username</c> (staff).</summary>
internal sealed record LoginRequest(string? Email, string? Username, string? Password, string? DeviceName);
