using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Features.ApiKeys;

namespace Vpn.Perf.Api.Tests.Hosting;

/// <summary>
/// The same walk for the staff levels of issue 13 §4: on every protected endpoint, a support and a reseller session
/// get past authorization exactly where the reviewed lists below say, and a 403 problem everywhere else; their API
/// keys, even rows forged to hold every scope, reach no more than the session, and only with a scope the role may
/// hold (<see cref="ApiScopes.Of"/>).
/// </summary>
public sealed partial class AuthorizationCoverageTests
{
    /// <summary>Everything any signed-in user reaches (handlers confine customers and resellers to their own rows).</summary>
    private static readonly string[] AnySignedIn =
    [
        "POST /api/v1/auth/logout", "GET /api/v1/auth/me", "POST /api/v1/auth/change-password", "GET /api/v1/auth/sessions",
        "DELETE /api/v1/auth/sessions/{id}", "POST /api/v1/auth/resend-verification",
        "POST /api/v1/api-keys/", "GET /api/v1/api-keys/", "DELETE /api/v1/api-keys/{id}",
        "GET /api/v1/subscriptions/", "GET /api/v1/subscriptions/{id}", "POST /api/v1/subscriptions/{id}/rotate-link",
        "GET /api/v1/users/me/devices/", "DELETE /api/v1/users/me/devices/{id}", "GET /api/v1/subscriptions/{id}/usage",
        "GET /api/v1/invoices/", "GET /api/v1/invoices/totals", "GET /api/v1/invoices/{id}",
        "GET /api/v1/billing/subscriptions/", "GET /api/v1/billing/subscriptions/{id}",
        "GET /api/v1/payments/", "GET /api/v1/payments/totals", "GET /api/v1/payments/{id}", "GET /api/v1/payments/{id}/refunds",
    ];

    /// <summary>Support and resellers: reading users, a subscription's inbounds and devices, quotas; removing and resetting devices.</summary>
    private static readonly string[] Viewers =
    [
        "GET /api/v1/users/", "GET /api/v1/users/{id}", "GET /api/v1/subscriptions/{id}/inbounds/",
        "GET /api/v1/subscriptions/{subscriptionId}/devices/", "DELETE /api/v1/subscriptions/{subscriptionId}/devices/{id}",
        "DELETE /api/v1/subscriptions/{subscriptionId}/devices/", "GET /api/v1/resellers/{id}/quota",
    ];

    /// <summary>Support may call exactly these; every other protected endpoint answers it 403.</summary>
    private static readonly HashSet<string> SupportReaches = [.. AnySignedIn, .. Viewers];

    /// <summary>Resellers may call exactly these (on their own rows); every other protected endpoint answers them 403.</summary>
    private static readonly HashSet<string> ResellerReaches =
    [
        .. AnySignedIn, .. Viewers,
        "POST /api/v1/billing/subscriptions/{id}/auto-renew/cancel", "POST /api/v1/billing/subscriptions/{id}/auto-renew/resume",
        "POST /api/v1/users/", "PATCH /api/v1/users/{id}", "DELETE /api/v1/users/{id}",
        "POST /api/v1/subscriptions/", "PUT /api/v1/subscriptions/{id}", "POST /api/v1/subscriptions/{id}/suspend",
        "POST /api/v1/subscriptions/{id}/resume", "POST /api/v1/subscriptions/{id}/reset-usage", "DELETE /api/v1/subscriptions/{id}",
        "POST /api/v1/subscriptions/bulk/extend", "POST /api/v1/subscriptions/bulk/suspend", "POST /api/v1/subscriptions/bulk/resume",
        "POST /api/v1/subscriptions/bulk/reset-usage", "POST /api/v1/subscriptions/bulk/delete",
        "PUT /api/v1/subscriptions/{id}/inbounds/", "POST /api/v1/subscriptions/{id}/inbounds/{inboundId}",
        "DELETE /api/v1/subscriptions/{id}/inbounds/{inboundId}",
    ];

    [Fact]
    public async Task EveryEndpoint_SupportAndResellerSessionsAndKeys_ReachOnlyTheirReviewedList()
    {
        await using var kit = await ApiKeyKit.StartAsync(nameof(EveryEndpoint_SupportAndResellerSessionsAndKeys_ReachOnlyTheirReviewedList),
            settings: new() { ["ApiKeys:PermitsPerMinute"] = "100000" });
        var roles = new List<(string Role, Guid User, string ForgedKey, HashSet<string> Reaches)>();
        foreach ((string role, HashSet<string> reaches) in new[] { (Roles.Support, SupportReaches), (Roles.Reseller, ResellerReaches) })
        {
            Guid user = await kit.SeedUserAsync(role);
            (_, string forged) = await kit.InsertKeyAsync(user, [.. ApiScopes.All]); // a row the endpoint would refuse: every scope
            roles.Add((role, user, forged, reaches));
        }

        var seen = new HashSet<string>();
        foreach (Endpoint endpoint in kit.Services.GetRequiredService<EndpointDataSource>().Endpoints)
        {
            if (endpoint is not RouteEndpoint route || route.Metadata.GetMetadata<IAllowAnonymous>() is not null) continue;
            string pattern = "/" + route.RoutePattern.RawText!.TrimStart('/');
            string? scope = route.Metadata.GetMetadata<RequiredScope>()?.Scope;
            foreach (string method in route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                string key = method + " " + Normalize(pattern);
                seen.Add(key);
                string path = Fill(pattern);
                foreach ((string role, Guid user, string forged, HashSet<string> reaches) in roles)
                {
                    // A fresh session per request: a logout on the walk must not end the next request's session.
                    await ExpectRoleAsync(kit.Session(user, role), method, path, reaches.Contains(key), $"{key} with a {role} session");
                    bool keyReaches = reaches.Contains(key) && scope is not null && ApiScopes.Allows(role, scope);
                    await ExpectRoleAsync(kit.WithKey(forged), method, path, keyReaches, $"{key} with a {role}'s key forged to hold every scope");
                }
            }
        }
        // The lists name only endpoints that exist: a renamed route cannot leave a stale grant behind.
        Assert.All(SupportReaches.Concat(ResellerReaches), k => Assert.True(seen.Contains(k), $"{k} is listed but not mapped."));
    }

    [Fact]
    public void ApiScopes_SupportAndReseller_HoldNoMoreThanTheirSessionsUse()
    {
        Assert.Equal([ApiScopes.SubscriptionsRead, ApiScopes.SubscriptionsWrite, ApiScopes.UsageRead, ApiScopes.BillingRead, ApiScopes.UsersRead],
            ApiScopes.Of(Roles.Support));
        Assert.Equal([ApiScopes.SubscriptionsRead, ApiScopes.SubscriptionsWrite, ApiScopes.UsageRead, ApiScopes.BillingRead, ApiScopes.UsersRead, ApiScopes.UsersWrite],
            ApiScopes.Of(Roles.Reseller));
        Assert.DoesNotContain(ApiScopes.AuditRead, ApiScopes.Of(Roles.Operator));
        Assert.Equal(ApiScopes.All, ApiScopes.Of(Roles.Superuser));
        Assert.Empty(ApiScopes.Of("nobody"));
        // Every role's scopes are known scopes.
        Assert.All(Roles.All, r => Assert.All(ApiScopes.Of(r), s => Assert.True(ApiScopes.IsKnown(s), s)));
    }

    private static async Task ExpectRoleAsync(HttpClient client, string method, string path, bool reaches, string what)
    {
        HttpResponseMessage response = await SendAsync(client, method, path);
        if (reaches)
        {
            Assert.True(response.StatusCode is not HttpStatusCode.Unauthorized and not HttpStatusCode.Forbidden,
                $"{what}: answered {(int)response.StatusCode}, expected to get past authorization.");
        }
        else
        {
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{what}: answered {(int)response.StatusCode}, expected 403.");
            await ProblemAssert.IsAsync(response, HttpStatusCode.Forbidden, "forbidden");
        }
    }
}
