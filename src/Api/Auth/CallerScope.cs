using System.Security.Claims;

namespace Vpn.Perf.Api.Auth;

/// <summary>
/// Which users' records a caller reaches, bound into the queries as two nullable ids (<c>$n::uuid is null or
/// owner_id = $n</c>, <c>... or created_by = $m</c>) so a row outside the scope is never loaded: a customer reaches what
/// they own (<see cref="Owner"/>), a reseller what it created (<see cref="Creator"/>), staff and support everything.
/// A row outside the scope answers 404 like a missing one, so ids cannot be probed.
/// </summary>
internal readonly record struct CallerScope(Guid? Owner, Guid? Creator)
{
    public static CallerScope Of(ClaimsPrincipal user)
        => user.ReadsAll() ? default
            : user.IsInRole(Roles.Reseller) ? new CallerScope(null, user.UserId())
            : new CallerScope(user.UserId(), null);

    /// <summary>The reseller's own id when the caller is a reseller, else null (<see cref="Of"/>'s creator for staff).</summary>
    public static Guid? ResellerOf(ClaimsPrincipal user) => user.IsInRole(Roles.Reseller) ? user.UserId() : null;
}
