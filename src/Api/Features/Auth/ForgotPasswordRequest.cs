namespace Vpn.Perf.Api.Features.Auth;

internal sealed record ForgotPasswordRequest(string? Email);
