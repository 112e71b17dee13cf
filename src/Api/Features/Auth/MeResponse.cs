namespace Vpn.Perf.Api.Features.Auth;

/// <summary>The signed-in account; <c>emailVerified</c> says whether its address was confirmed by a verification mail's link, and when.</summary>
internal sealed record MeResponse(Guid Id, string? Email, string? Username, string Role, IReadOnlyList<GroupRef> Groups, DateTimeOffset CreatedAt,
    bool EmailVerified, DateTimeOffset? EmailVerifiedAt);
