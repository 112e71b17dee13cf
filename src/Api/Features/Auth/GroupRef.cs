namespace Vpn.Perf.Api.Features.Auth;

internal sealed record GroupRef(Guid Id, string Name);
