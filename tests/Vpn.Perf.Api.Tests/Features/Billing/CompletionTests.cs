using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Vpn.Perf.Api.Features.Billing.Webhooks;
using Vpn.Perf.Api.Tests.SingBox;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Tests.Features.Billing;

public sealed class CompletionTests
{
    [Fact]
    public async Task PaidPlan_FromRegisterToSignedWebhook_SubscriptionHasPlanLimitsAndConfigRenders()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(PaidPlan_FromRegisterToSignedWebhook_SubscriptionHasPlanLimitsAndConfigRenders));
        (Guid node, Guid reality) = await kit.InboundAsync("nl-1");
        Guid ws = await kit.Seed.InboundAsync(node, "trojan-ws", "trojan", "ws", "tls", """{"path":"/t","host_header":"cdn.example.com"}""", port: 8443);
        (Guid otherNode, Guid onOtherNode) = await kit.InboundAsync("de-1");
        JsonElement created = await kit.CreatePlanAsync([reality, ws], price: "9.99", maxTraffic: 5_000_000_000, maxSpeed: 20_000_000, resetPeriod: "P1M",
            deviceLimit: 2, nodes: [otherNode], name: "Pro monthly");
        Guid planId = created.GetProperty("id").GetGuid();

        // Register and sign in, as a new customer would.
        HttpClient anonymous = kit.Anonymous();
        string email = "buyer-" + Guid.NewGuid().ToString("N")[..8] + "@example.com";
        await BillingKit.JsonAsync(await anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email, password = "correct horse 42" }), HttpStatusCode.Accepted);
        JsonElement tokens = await BillingKit.JsonAsync(await anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email, password = "correct horse 42" }), HttpStatusCode.OK);
        HttpClient customer = kit.Anonymous();
        customer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("accessToken").GetString());

        // The public catalogue, without a token.
        JsonElement plans = await BillingKit.JsonAsync(await anonymous.GetAsync("/api/v1/plans"), HttpStatusCode.OK);
        JsonElement listed = Assert.Single(plans.GetProperty("items").EnumerateArray());
        Assert.Equal(planId, listed.GetProperty("id").GetGuid());
        Assert.Equal("9.99", listed.GetProperty("price").GetString());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("inboundIds").ValueKind); // grants are for staff

        DateTimeOffset before = DateTimeOffset.UtcNow;
        JsonElement payment = await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(customer, planId, "key-1"), HttpStatusCode.Created);
        Assert.Equal("pending", payment.GetProperty("status").GetString());
        Assert.Equal("9.99", payment.GetProperty("amount").GetString());
        Assert.Equal("USD", payment.GetProperty("currency").GetString());
        Assert.Equal(BillingKit.Provider, payment.GetProperty("provider").GetString());
        Guid paymentId = payment.GetProperty("id").GetGuid();

        HttpResponseMessage hook = await kit.SendAsync(BillingKit.Event("payment.succeeded", paymentId, providerPaymentId: "pi_123"));
        Assert.Equal("applied", (await BillingKit.JsonAsync(hook, HttpStatusCode.OK)).GetProperty("outcome").GetString());
        DateTimeOffset after = DateTimeOffset.UtcNow;

        JsonElement paid = await BillingKit.JsonAsync(await customer.GetAsync($"/api/v1/payments/{paymentId}"), HttpStatusCode.OK);
        Assert.Equal("succeeded", paid.GetProperty("status").GetString());
        Assert.Equal("pi_123", paid.GetProperty("providerPaymentId").GetString());
        Assert.Matches(@"^INV-\d{4}-000001$", paid.GetProperty("invoiceNumber").GetString());
        Guid sid = paid.GetProperty("subscriptionId").GetGuid();

        JsonElement sub = await BillingKit.JsonAsync(await customer.GetAsync($"/api/v1/subscriptions/{sid}"), HttpStatusCode.OK);
        Assert.Equal(5_000_000_000, sub.GetProperty("maxTraffic").GetInt64());
        Assert.Equal(20_000_000, sub.GetProperty("maxSpeed").GetInt64());
        Assert.Equal("P1M", sub.GetProperty("trafficResetPeriod").GetString());
        Assert.Equal("Pro monthly", sub.GetProperty("title").GetString());
        DateTimeOffset start = paid.GetProperty("periodStart").GetDateTimeOffset();
        Assert.InRange(start, before.AddMilliseconds(-1), after);
        Assert.Equal(WebhooksEndpoints.PeriodEnd(ResetPeriod.Parse("P1M"), start), sub.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(start, sub.GetProperty("resetAnchor").GetDateTimeOffset());

        // The plan's inbounds and every inbound of its node are linked; the subscription is queued for Redis.
        Guid[] linked = [.. (await kit.ScalarAsync<Guid[]>("select array_agg(inbound_id order by inbound_id) from subscription_inbounds where subscription_id = $1", sid))];
        Assert.Equal(new[] { reality, ws, onOtherNode }.Order(), linked);
        Assert.Equal(1L, await kit.ScalarAsync<long>("select count(*) from state_outbox where subscription_id = $1", sid));
        Assert.Equal(1L, await kit.AuditCountAsync("payment.succeeded"));
        Assert.Equal(1L, await kit.AuditCountAsync("subscription.purchase"));

        JsonElement status = await BillingKit.JsonAsync(await customer.GetAsync($"/api/v1/billing/subscriptions/{sid}"), HttpStatusCode.OK);
        Assert.True(status.GetProperty("autoRenew").GetBoolean());
        Assert.Equal(2, status.GetProperty("deviceLimit").GetInt32());
        // The plan's device limit is the subscription's own, like its traffic limit, and so the effective one.
        Assert.Equal(2, sub.GetProperty("deviceLimit").GetInt32());
        Assert.Equal(2, sub.GetProperty("effective").GetProperty("deviceLimit").GetInt32());

        Assert.Equal(await kit.ConfigPathAsync(sid), new Uri(sub.GetProperty("configUrl").GetString()!).AbsolutePath);
        Assert.Equal(sub.GetProperty("configUrl").GetString(), status.GetProperty("configUrl").GetString());
        HttpResponseMessage config = await anonymous.GetAsync(await kit.ConfigPathAsync(sid) + "/singbox");
        string body = await config.Content.ReadAsStringAsync();
        Assert.True(config.StatusCode == HttpStatusCode.OK, body);
        using JsonDocument doc = JsonDocument.Parse(body);
        Assert.Empty(SingBoxConfigChecker.Check(doc.RootElement));
        string?[] tags = [.. doc.RootElement.GetProperty("outbounds").EnumerateArray().Select(o => o.GetProperty("tag").GetString())];
        Assert.Contains("nl-1-vless", tags);
        Assert.Contains("nl-1-trojan-ws", tags);
        Assert.Contains("de-1-vless", tags);
    }

    [Fact]
    public async Task Complete_SecondPaymentForSamePlan_ExtendsFromCurrentExpiryAcrossMonthEnd()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Complete_SecondPaymentForSamePlan_ExtendsFromCurrentExpiryAcrossMonthEnd));
        Guid plan = await kit.PlanAsync();
        (Guid first, Guid customer, HttpClient client) = await kit.PendingAsync(plan);
        await kit.SucceedAsync(first);
        Guid sid = await kit.ScalarAsync<Guid>("select subscription_id from payments where id = $1", first);

        // A future expiry on Jan 31: P1M lands on the last day of February (calendar arithmetic, as for reset periods).
        await kit.Seed.ExecAsync("update subscriptions set expires_at = $2 where id = $1", sid, BillingKit.Instant("2099-01-31T12:00:00Z"));
        JsonElement second = await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(client, plan), HttpStatusCode.Created);
        await kit.SucceedAsync(second.GetProperty("id").GetGuid());
        Assert.Equal(BillingKit.Instant("2099-02-28T12:00:00Z"), await kit.ScalarAsync<DateTime>("select expires_at from subscriptions where id = $1", sid));
        Assert.Equal(1L, await kit.ScalarAsync<long>("select count(*) from subscriptions where owner_id = $1", customer));

        JsonElement paid = await BillingKit.JsonAsync(await client.GetAsync($"/api/v1/payments/{second.GetProperty("id").GetGuid()}"), HttpStatusCode.OK);
        Assert.Equal(BillingKit.Instant("2099-01-31T12:00:00Z"), paid.GetProperty("periodStart").GetDateTimeOffset());
        Assert.Equal(BillingKit.Instant("2099-02-28T12:00:00Z"), paid.GetProperty("periodEnd").GetDateTimeOffset());
        Assert.Equal(1L, await kit.AuditCountAsync("subscription.extend"));

        // A local expiry of Jan 31 22:00 at UTC-5 is Feb 1 03:00 UTC; months are counted in UTC, so it becomes Mar 1 03:00 UTC.
        await kit.Seed.ExecAsync("update subscriptions set expires_at = $2 where id = $1", sid,
            DateTimeOffset.Parse("2099-01-31T22:00:00-05:00", System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime());
        JsonElement third = await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(client, plan), HttpStatusCode.Created);
        await kit.SucceedAsync(third.GetProperty("id").GetGuid());
        Assert.Equal(BillingKit.Instant("2099-03-01T03:00:00Z"), await kit.ScalarAsync<DateTime>("select expires_at from subscriptions where id = $1", sid));
    }

    [Fact]
    public async Task Complete_CurrentExpiryInThePast_ExtendsFromNowAndRestartsTheUsageCycle()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Complete_CurrentExpiryInThePast_ExtendsFromNowAndRestartsTheUsageCycle));
        Guid plan = await kit.PlanAsync(duration: "P30D");
        (Guid first, _, HttpClient client) = await kit.PendingAsync(plan);
        await kit.SucceedAsync(first);
        Guid sid = await kit.ScalarAsync<Guid>("select subscription_id from payments where id = $1", first);
        await kit.Seed.ExecAsync("update subscriptions set expires_at = '2020-01-31T00:00:00Z', reset_anchor = '2019-12-01T00:00:00Z' where id = $1", sid);

        JsonElement second = await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(client, plan), HttpStatusCode.Created);
        DateTimeOffset before = DateTimeOffset.UtcNow;
        await kit.SucceedAsync(second.GetProperty("id").GetGuid());
        DateTimeOffset after = DateTimeOffset.UtcNow;

        var expires = new DateTimeOffset(await kit.ScalarAsync<DateTime>("select expires_at from subscriptions where id = $1", sid));
        Assert.InRange(expires, before.AddDays(30).AddMilliseconds(-1), after.AddDays(30));
        var anchor = new DateTimeOffset(await kit.ScalarAsync<DateTime>("select reset_anchor from subscriptions where id = $1", sid));
        Assert.Equal(expires.AddDays(-30), anchor);
    }

    [Fact]
    public void PeriodEnd_CalendarMonths_ClampToMonthEndAndKeepTheTimeOfDay()
    {
        ResetPeriod month = ResetPeriod.Parse("P1M");
        Assert.Equal(BillingKit.Instant("2026-02-28T10:00:00Z"), WebhooksEndpoints.PeriodEnd(month, BillingKit.Instant("2026-01-31T10:00:00Z")));
        Assert.Equal(BillingKit.Instant("2028-02-29T10:00:00Z"), WebhooksEndpoints.PeriodEnd(month, BillingKit.Instant("2028-01-31T10:00:00Z")));
        Assert.Equal(BillingKit.Instant("2026-04-30T00:00:00Z"), WebhooksEndpoints.PeriodEnd(month, BillingKit.Instant("2026-03-31T00:00:00Z")));
        Assert.Equal(BillingKit.Instant("2027-02-28T00:00:00Z"), WebhooksEndpoints.PeriodEnd(ResetPeriod.Parse("P1Y"), BillingKit.Instant("2026-02-28T00:00:00Z")));
        Assert.Equal(BillingKit.Instant("2026-03-02T10:00:00Z"), WebhooksEndpoints.PeriodEnd(ResetPeriod.Parse("P30D"), BillingKit.Instant("2026-01-31T10:00:00Z")));
    }

    [Fact]
    public async Task Complete_PlanLimitsChangedSincePurchase_AppliesThePlanAsItIsAtCompletion()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Complete_PlanLimitsChangedSincePurchase_AppliesThePlanAsItIsAtCompletion));
        (_, Guid inbound) = await kit.InboundAsync();
        Guid plan = (await kit.CreatePlanAsync([inbound])).GetProperty("id").GetGuid();
        (Guid payment, _, _) = await kit.PendingAsync(plan);
        await kit.Staff().PutAsJsonAsync($"/api/v1/plans/{plan}", new
        {
            name = "Monthly", price = "19.99", currency = "USD", duration = "P1M", maxTraffic = 1000, maxSpeed = (long?)null, inboundIds = new[] { inbound },
        });

        // The price was fixed when the purchase started; the limits are the plan's at completion.
        await kit.SucceedAsync(payment, amount: "9.99");
        Guid sid = await kit.ScalarAsync<Guid>("select subscription_id from payments where id = $1", payment);
        Assert.Equal(1000L, await kit.ScalarAsync<long>("select max_traffic from subscriptions where id = $1", sid));
        Assert.Equal("9.99", await kit.ScalarAsync<string>("select amount::text from invoices where payment_id = $1", payment));
    }
}
