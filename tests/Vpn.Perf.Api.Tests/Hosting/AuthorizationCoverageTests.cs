using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Vpn.Perf.Api.Auth;

namespace Vpn.Perf.Api.Tests.Hosting;

/// <summary>
/// A net under the per-feature role tests: every endpoint the Api maps names an authorization rule or is public on
/// purpose (and listed here), and every non-public one refuses an anonymous caller with a 401 problem.
/// </summary>
public sealed partial class AuthorizationCoverageTests
{
    /// <summary>The public surface; adding to it is a deliberate, reviewed change.</summary>
    private static readonly HashSet<string> Public =
    [
        "GET /healthz",
        "GET /api/openapi/{documentName}.json",
        "GET /s/{token}",
        "GET /s/{token}/{format}",
        "GET /s/{token}/qr",
        "POST /api/v1/auth/register",
        "POST /api/v1/auth/login",
        "POST /api/v1/auth/refresh",
        // The token of a mailed link is the credential; forgot-password answers the same for any address.
        "POST /api/v1/auth/verify-email",
        "POST /api/v1/auth/forgot-password",
        "POST /api/v1/auth/reset-password",
        "GET /api/v1/node/sync",
        "POST /api/v1/payments/webhook/{provider}",
        "GET /api/v1/plans/",
        "GET /api/v1/plans/{id}",
    ];

    [Fact]
    public async Task EveryEndpoint_HasARuleAndRefusesAnonymousCallersUnlessPublic()
    {
        await using var api = await ApiFactory.StartAsync(nameof(EveryEndpoint_HasARuleAndRefusesAnonymousCallersUnlessPublic));
        HttpClient anonymous = api.CreateClient();
        var checkedRoutes = 0;
        var publicSeen = new HashSet<string>();
        foreach (Endpoint endpoint in api.Services.GetRequiredService<EndpointDataSource>().Endpoints)
        {
            if (endpoint is not RouteEndpoint route) continue;
            string pattern = "/" + route.RoutePattern.RawText!.TrimStart('/');
            foreach (string method in route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                string key = method + " " + Normalize(pattern);
                bool isPublic = route.Metadata.GetMetadata<IAllowAnonymous>() is not null;
                if (isPublic)
                {
                    Assert.True(Public.Contains(key), $"{key} allows anonymous callers but is not in the reviewed public list.");
                    publicSeen.Add(key);
                    continue;
                }
                Assert.True(route.Metadata.GetOrderedMetadata<IAuthorizeData>().Count > 0, $"{key} names no authorization rule.");
                using var request = new HttpRequestMessage(new HttpMethod(method), Fill(pattern));
                if (method is "POST" or "PUT" or "PATCH") request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
                HttpResponseMessage response = await anonymous.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{key} answered {(int)response.StatusCode} to an anonymous caller.");
                await ProblemAssert.IsAsync(response, HttpStatusCode.Unauthorized, "unauthenticated");
                checkedRoutes++;
            }
        }
        Assert.True(checkedRoutes > 40, $"only {checkedRoutes} protected routes found");
        Assert.Equal(Public.Order(StringComparer.Ordinal), publicSeen.Order(StringComparer.Ordinal));
    }

    /// <summary>Operator analytics are staff only: a customer gets the 403 problem on every route under /api/v1/analytics.</summary>
    [Fact]
    public async Task AnalyticsEndpoints_Customer_Forbidden()
    {
        await using var api = await ApiFactory.StartAsync(nameof(AnalyticsEndpoints_Customer_Forbidden));
        HttpClient customer = api.ClientAs(Guid.NewGuid(), Roles.Customer);
        var seen = new List<string>();
        foreach (Endpoint endpoint in api.Services.GetRequiredService<EndpointDataSource>().Endpoints)
        {
            if (endpoint is not RouteEndpoint route) continue;
            string pattern = "/" + route.RoutePattern.RawText!.TrimStart('/');
            if (!pattern.StartsWith("/api/v1/analytics/", StringComparison.Ordinal)) continue;
            foreach (string method in route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), Fill(pattern));
                await ProblemAssert.IsAsync(await customer.SendAsync(request), HttpStatusCode.Forbidden, "forbidden");
                seen.Add(method + " " + Normalize(pattern));
            }
        }
        Assert.Equal(
            ["GET /api/v1/analytics/nodes", "GET /api/v1/analytics/subscriptions/states", "GET /api/v1/analytics/subscriptions/top",
             "GET /api/v1/analytics/usage", "GET /api/v1/analytics/usage/inbounds", "GET /api/v1/analytics/usage/nodes"],
            seen.Order(StringComparer.Ordinal));
    }

    /// <summary>Route constraints dropped, so the list reads as the URL shapes clients use.</summary>
    private static string Normalize(string pattern) => Constraint().Replace(pattern, "}");

    private static string Fill(string pattern) => Parameter().Replace(pattern, Guid.NewGuid().ToString());

    [GeneratedRegex(@":[^}]+\}")]
    private static partial Regex Constraint();

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();
}
