using Vpn.Perf.Api.Data;
using System.Net;
using System.Text.Json;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Billing;

public sealed class BillingRoleTests
{
    [Fact]
    public async Task BillingEndpoints_WithoutTokenOrWithWrongRole_AreRefused()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(BillingEndpoints_WithoutTokenOrWithWrongRole_AreRefused));
        string id = Ids.NewId().ToString();

        // Staff only: a customer gets 403.
        await AdminTestKit.RefusedAsync(kit.Api, Roles.Customer,
        [
            (HttpMethod.Post, "/api/v1/plans"),
            (HttpMethod.Put, $"/api/v1/plans/{id}"),
            (HttpMethod.Post, $"/api/v1/plans/{id}/retire"),
            (HttpMethod.Post, $"/api/v1/payments/{id}/refunds"),
        ]);
        // Customers only: staff get 403.
        await AdminTestKit.RefusedAsync(kit.Api, Roles.Operator, [(HttpMethod.Post, "/api/v1/payments")]);

        // Any signed-in user (customers are confined to their own records): no token is 401.
        HttpClient anonymous = kit.Anonymous();
        foreach (string url in new[]
        {
            "/api/v1/payments", "/api/v1/payments/totals", $"/api/v1/payments/{id}", $"/api/v1/payments/{id}/refunds",
            "/api/v1/invoices", "/api/v1/invoices/totals", $"/api/v1/invoices/{id}",
            "/api/v1/billing/subscriptions", $"/api/v1/billing/subscriptions/{id}",
        })
        {
            await ProblemAssert.IsAsync(await anonymous.GetAsync(url), HttpStatusCode.Unauthorized, "unauthenticated");
        }
        foreach (string url in new[] { $"/api/v1/billing/subscriptions/{id}/auto-renew/cancel", $"/api/v1/billing/subscriptions/{id}/auto-renew/resume" })
        {
            await ProblemAssert.IsAsync(await anonymous.PostAsync(url, null), HttpStatusCode.Unauthorized, "unauthenticated");
        }

        // Anonymous on purpose: the catalogue, and the webhook (whose only credential is the signature).
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/v1/plans")).StatusCode);
        await ProblemAssert.IsAsync(await anonymous.GetAsync($"/api/v1/plans/{id}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await anonymous.PostAsync("/api/v1/payments/webhook/test", new StringContent("{}")), HttpStatusCode.BadRequest, "webhook-signature-invalid");
    }

    [Fact]
    public async Task OpenApiDocument_Anonymous_DescribesBillingPaths()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(OpenApiDocument_Anonymous_DescribesBillingPaths));
        using var doc = JsonDocument.Parse(await kit.Anonymous().GetStringAsync("/api/openapi/v1.json"));
        JsonElement paths = doc.RootElement.GetProperty("paths");
        foreach (string path in new[]
        {
            "/api/v1/plans", "/api/v1/plans/{id}", "/api/v1/plans/{id}/retire", "/api/v1/payments", "/api/v1/payments/totals",
            "/api/v1/payments/{id}/refunds", "/api/v1/payments/webhook/{provider}", "/api/v1/invoices", "/api/v1/invoices/{id}",
            "/api/v1/billing/subscriptions/{id}/auto-renew/cancel",
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI lacks {path}");
        }
    }
}
