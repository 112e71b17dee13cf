namespace Vpn.Perf.Api.Features.Auth;

internal sealed record RefreshRequest(string? RefreshToken);
