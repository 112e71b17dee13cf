namespace Vpn.Perf.Api.Features.Auth;

internal sealed record MeResponse(Guid Id, string? Email, string? Username, string Role, IReadOnlyList<GroupRef> Groups, DateTimeOffset CreatedAt);
