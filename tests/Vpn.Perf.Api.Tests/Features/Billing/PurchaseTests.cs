using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Billing;

public sealed class PurchaseTests
{
    [Fact]
    public async Task Purchase_SameIdempotencyKey_ReturnsTheSamePendingPaymentEvenWhenRacing()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Purchase_SameIdempotencyKey_ReturnsTheSamePendingPaymentEvenWhenRacing));
        Guid plan = await kit.PlanAsync();
        (Guid customer, HttpClient client) = await kit.CustomerAsync();

        HttpResponseMessage[] racing = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => BillingKit.PurchaseAsync(client, plan, "same-key")));
        Assert.Single(racing, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(racing, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        Guid[] ids = await Task.WhenAll(racing.Select(async r => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1L, await kit.ScalarAsync<long>("select count(*) from payments where customer_id = $1", customer));

        // The price changes afterwards: the repeated request still answers the payment at the old price.
        await kit.Seed.ExecAsync("update plans set price = 19.99 where id = $1", plan);
        JsonElement again = await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(client, plan, "same-key"), HttpStatusCode.OK);
        Assert.Equal("9.99", again.GetProperty("amount").GetString());
        JsonElement fresh = await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(client, plan, "another-key"), HttpStatusCode.Created);
        Assert.Equal("19.99", fresh.GetProperty("amount").GetString());

        // The same key is another customer's own business.
        (_, HttpClient other) = await kit.CustomerAsync();
        await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(other, plan, "same-key"), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Purchase_KeyReusedForAnotherPlan_Is422AndCreatesNothing()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Purchase_KeyReusedForAnotherPlan_Is422AndCreatesNothing));
        Guid plan = await kit.PlanAsync();
        Guid otherPlan = await kit.PlanAsync(price: "1.00");
        (Guid customer, HttpClient client) = await kit.CustomerAsync();
        await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(client, plan, "k1"), HttpStatusCode.Created);
        await ProblemAssert.IsAsync(await BillingKit.PurchaseAsync(client, otherPlan, "k1"), HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        Assert.Equal(1L, await kit.ScalarAsync<long>("select count(*) from payments where customer_id = $1", customer));
    }

    [Fact]
    public async Task Purchase_InvalidRequests_AreRefusedPerField()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Purchase_InvalidRequests_AreRefusedPerField));
        Guid plan = await kit.PlanAsync();
        (_, HttpClient client) = await kit.CustomerAsync();

        var noKey = new HttpRequestMessage(HttpMethod.Post, "/api/v1/payments") { Content = JsonContent.Create(new { planId = plan }) };
        await AdminTestKit.ValidationAsync(await client.SendAsync(noKey), "Idempotency-Key");
        await AdminTestKit.ValidationAsync(await BillingKit.PurchaseAsync(client, plan, "has space"), "Idempotency-Key");
        await AdminTestKit.ValidationAsync(await BillingKit.PurchaseAsync(client, Guid.Empty), "planId");
        await AdminTestKit.ValidationAsync(await BillingKit.PurchaseAsync(client, plan, provider: "nobody"), "provider");
        await ProblemAssert.IsAsync(await BillingKit.PurchaseAsync(client, Ids.NewId()), HttpStatusCode.NotFound, "not-found");

        await BillingKit.JsonAsync(await kit.Staff().PostAsync($"/api/v1/plans/{plan}/retire", null), HttpStatusCode.OK);
        await ProblemAssert.IsAsync(await BillingKit.PurchaseAsync(client, plan), HttpStatusCode.Conflict, "plan-not-available");

        // Staff do not buy; an anonymous caller is not signed in.
        await ProblemAssert.IsAsync(await BillingKit.PurchaseAsync(kit.Staff(), plan), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await BillingKit.PurchaseAsync(kit.Anonymous(), plan), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsAsync(await BillingKit.PurchaseAsync(kit.As(Guid.NewGuid(), Roles.Superuser), plan), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Purchase_PendingPaymentOfARetiredPlan_StillCompletes()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Purchase_PendingPaymentOfARetiredPlan_StillCompletes));
        Guid plan = await kit.PlanAsync();
        (Guid payment, _, HttpClient client) = await kit.PendingAsync(plan);
        await BillingKit.JsonAsync(await kit.Staff().PostAsync($"/api/v1/plans/{plan}/retire", null), HttpStatusCode.OK);
        await kit.SucceedAsync(payment);

        // The retired plan stays readable for the invoice that names it.
        JsonElement invoice = (await BillingKit.JsonAsync(await client.GetAsync("/api/v1/invoices"), HttpStatusCode.OK)).GetProperty("items")[0];
        JsonElement read = await BillingKit.JsonAsync(await kit.Anonymous().GetAsync($"/api/v1/plans/{invoice.GetProperty("planId").GetGuid()}"), HttpStatusCode.OK);
        Assert.False(read.GetProperty("isActive").GetBoolean());
    }
}
