namespace Vpn.Perf.Api.Features.Auth;

internal sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);
