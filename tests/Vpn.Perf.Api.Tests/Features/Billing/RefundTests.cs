using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Billing;

public sealed class RefundTests
{
    [Fact]
    public async Task Refund_PartialThenPartialThenTooMuchThenRest_AddsUpExactlyAndTheFullOneEndsThePeriod()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Refund_PartialThenPartialThenTooMuchThenRest_AddsUpExactlyAndTheFullOneEndsThePeriod));
        Guid plan = await kit.PlanAsync(price: "10.00", duration: "P30D");
        (Guid first, _, HttpClient customer) = await kit.PendingAsync(plan);
        await kit.SucceedAsync(first, amount: "10.00");
        JsonElement secondPayment = await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(customer, plan), HttpStatusCode.Created);
        Guid second = secondPayment.GetProperty("id").GetGuid();
        await kit.SucceedAsync(second, amount: "10");
        Guid sid = await kit.ScalarAsync<Guid>("select subscription_id from payments where id = $1", second);
        DateTime expiresBefore = await kit.ScalarAsync<DateTime>("select expires_at from subscriptions where id = $1", sid);
        HttpClient staff = kit.Staff();
        string url = $"/api/v1/payments/{second}/refunds";

        // 0.1 + 0.2 is exactly 0.3 here: decimal arithmetic, no float drift.
        JsonElement r1 = await BillingKit.JsonAsync(await staff.PostAsJsonAsync(url, new { amount = "0.10", reason = "goodwill" }), HttpStatusCode.Created);
        Assert.Equal("partially_refunded", r1.GetProperty("payment").GetProperty("status").GetString());
        Assert.Equal("0.10", r1.GetProperty("refund").GetProperty("amount").GetString());
        JsonElement r2 = await BillingKit.JsonAsync(await staff.PostAsJsonAsync(url, new { amount = 0.2m }), HttpStatusCode.Created);
        Assert.Equal("0.30", r2.GetProperty("payment").GetProperty("refundedAmount").GetString());
        Assert.False(r2.GetProperty("refund").GetProperty("endedPeriod").GetBoolean());
        Assert.Equal(expiresBefore, await kit.ScalarAsync<DateTime>("select expires_at from subscriptions where id = $1", sid)); // partial: period kept

        string state = await kit.StateAsync();
        await ProblemAssert.IsAsync(await staff.PostAsJsonAsync(url, new { amount = "9.71" }), HttpStatusCode.Conflict, "refund-exceeds-payment");
        await AdminTestKit.ValidationAsync(await staff.PostAsJsonAsync(url, new { amount = "0.001" }), "amount");
        await AdminTestKit.ValidationAsync(await staff.PostAsJsonAsync(url, new { amount = "-1" }), "amount");
        Assert.Equal(state, await kit.StateAsync());

        // No amount = the rest (9.70): the payment is fully refunded and the 30 days it added are taken back.
        JsonElement r3 = await BillingKit.JsonAsync(await staff.PostAsJsonAsync(url, new { reason = "cancelled" }), HttpStatusCode.Created);
        Assert.Equal("9.70", r3.GetProperty("refund").GetProperty("amount").GetString());
        Assert.Equal("refunded", r3.GetProperty("payment").GetProperty("status").GetString());
        Assert.Equal("10.00", r3.GetProperty("payment").GetProperty("refundedAmount").GetString());
        Assert.True(r3.GetProperty("refund").GetProperty("endedPeriod").GetBoolean());
        Assert.Equal(expiresBefore.AddDays(-30), await kit.ScalarAsync<DateTime>("select expires_at from subscriptions where id = $1", sid));
        Assert.Equal(1L, await kit.AuditCountAsync("subscription.period_ended"));
        Assert.Equal(3L, await kit.AuditCountAsync("payment.refund"));

        await ProblemAssert.IsAsync(await staff.PostAsJsonAsync(url, new { amount = "0.01" }), HttpStatusCode.Conflict, "payment-state");
        JsonElement refunds = await BillingKit.JsonAsync(await customer.GetAsync(url), HttpStatusCode.OK);
        Assert.Equal(["0.10", "0.20", "9.70"], refunds.EnumerateArray().Select(r => r.GetProperty("amount").GetString()));
    }

    [Fact]
    public async Task Refund_FullRefundOfTheOnlyPayment_EndsTheSubscriptionNowNotInThePast()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Refund_FullRefundOfTheOnlyPayment_EndsTheSubscriptionNowNotInThePast));
        Guid plan = await kit.PlanAsync();
        (Guid payment, _, _) = await kit.PendingAsync(plan);
        await kit.SucceedAsync(payment);
        Guid sid = await kit.ScalarAsync<Guid>("select subscription_id from payments where id = $1", payment);
        // Days have passed since the purchase: taking the whole month back would land in the past, so it ends now.
        await kit.Seed.ExecAsync("update subscriptions set expires_at = expires_at - interval '3 days' where id = $1", sid);

        DateTimeOffset before = DateTimeOffset.UtcNow;
        await BillingKit.JsonAsync(await kit.Staff().PostAsJsonAsync($"/api/v1/payments/{payment}/refunds", new { }), HttpStatusCode.Created);
        var expires = new DateTimeOffset(await kit.ScalarAsync<DateTime>("select expires_at from subscriptions where id = $1", sid));
        Assert.InRange(expires, before.AddMilliseconds(-1), DateTimeOffset.UtcNow);
        HttpResponseMessage config = await kit.Anonymous().GetAsync(await kit.ConfigPathAsync(sid));
        await ProblemAssert.IsAsync(config, HttpStatusCode.Forbidden, "subscription-expired");
    }

    [Fact]
    public async Task Refund_PendingPaymentOrProviderRefundEvent_FollowTheSameRules()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Refund_PendingPaymentOrProviderRefundEvent_FollowTheSameRules));
        Guid plan = await kit.PlanAsync();
        (Guid payment, _, _) = await kit.PendingAsync(plan);
        await ProblemAssert.IsAsync(await kit.Staff().PostAsJsonAsync($"/api/v1/payments/{payment}/refunds", new { }), HttpStatusCode.Conflict, "payment-state");
        await ProblemAssert.IsAsync(await kit.SendAsync(BillingKit.Event("payment.refunded", payment, amount: "1.00")), HttpStatusCode.Conflict, "payment-state");
        await ProblemAssert.IsAsync(await kit.Staff().PostAsJsonAsync($"/api/v1/payments/{Ids.NewId()}/refunds", new { }), HttpStatusCode.NotFound, "not-found");

        await kit.SucceedAsync(payment);
        string partial = BillingKit.Event("payment.refunded", payment, amount: "4.99", id: "evt_refund_1");
        Assert.Equal("applied", (await BillingKit.JsonAsync(await kit.SendAsync(partial), HttpStatusCode.OK)).GetProperty("outcome").GetString());
        Assert.Equal("duplicate", (await BillingKit.JsonAsync(await kit.SendAsync(partial), HttpStatusCode.OK)).GetProperty("outcome").GetString());
        await ProblemAssert.IsAsync(await kit.SendAsync(BillingKit.Event("payment.refunded", payment, amount: "5.01")), HttpStatusCode.Conflict, "refund-exceeds-payment");
        await kit.SendAsync(BillingKit.Event("payment.refunded", payment, amount: "5.00"));
        Assert.Equal("refunded", await kit.ScalarAsync<string>("select status from payments where id = $1", payment));
        Assert.Equal(9.99m, await kit.ScalarAsync<decimal>("select refunded_amount from payments where id = $1", payment));
    }
}
