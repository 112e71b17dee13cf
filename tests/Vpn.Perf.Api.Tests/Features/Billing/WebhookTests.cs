using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Billing.Webhooks;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Billing;

public sealed class WebhookTests
{
    [Fact]
    public async Task Webhook_SameEventTwice_ChangesStateOnce()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Webhook_SameEventTwice_ChangesStateOnce));
        (Guid payment, _, _) = await kit.PendingAsync(await kit.PlanAsync());
        string body = BillingKit.Event("payment.succeeded", payment, id: "evt_once");

        Assert.Equal("applied", (await BillingKit.JsonAsync(await kit.SendAsync(body), HttpStatusCode.OK)).GetProperty("outcome").GetString());
        string state = await kit.StateAsync();
        Assert.Equal("duplicate", (await BillingKit.JsonAsync(await kit.SendAsync(body), HttpStatusCode.OK)).GetProperty("outcome").GetString());
        Assert.Equal(state, await kit.StateAsync());
        Assert.Equal(1L, await kit.ScalarAsync<long>("select count(*) from invoices"));
        Assert.Equal(1L, await kit.ScalarAsync<long>("select count(*) from subscriptions"));
    }

    [Fact]
    public async Task Webhook_ConcurrentIdenticalDeliveries_ChangeStateOnce()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Webhook_ConcurrentIdenticalDeliveries_ChangeStateOnce));
        (Guid payment, _, _) = await kit.PendingAsync(await kit.PlanAsync());
        string body = BillingKit.Event("payment.succeeded", payment, id: "evt_race");

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => kit.SendAsync(body)));
        string[] outcomes = await Task.WhenAll(responses.Select(async r => (await BillingKit.JsonAsync(r, HttpStatusCode.OK)).GetProperty("outcome").GetString()!));
        Assert.Single(outcomes, o => o == "applied");
        Assert.All(outcomes.Where(o => o != "applied"), o => Assert.Equal("duplicate", o));
        Assert.Equal(1L, await kit.ScalarAsync<long>("select count(*) from invoices"));
        Assert.Equal(1L, await kit.ScalarAsync<long>("select count(*) from subscriptions"));
        Assert.Equal(1L, await kit.AuditCountAsync("payment.succeeded"));
    }

    [Fact]
    public async Task Webhook_ConcurrentDistinctEventsForOnePayment_CompleteItOnce()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Webhook_ConcurrentDistinctEventsForOnePayment_CompleteItOnce));
        (Guid payment, _, _) = await kit.PendingAsync(await kit.PlanAsync());

        // A provider retrying under new event ids: the payment's state, not the event id, stops the second completion.
        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => kit.SendAsync(BillingKit.Event("payment.succeeded", payment))));
        string[] outcomes = await Task.WhenAll(responses.Select(async r => (await BillingKit.JsonAsync(r, HttpStatusCode.OK)).GetProperty("outcome").GetString()!));
        Assert.Single(outcomes, o => o == "applied");
        Assert.All(outcomes.Where(o => o != "applied"), o => Assert.Equal("no_change", o));
        Assert.Equal(1L, await kit.ScalarAsync<long>("select count(*) from invoices"));
        Assert.Equal(6L, await kit.ScalarAsync<long>("select count(*) from payment_events where payment_id = $1", payment));
    }

    [Fact]
    public async Task Webhook_BadSignatureStaleTimestampOrTamperedBody_Is400AndChangesNothing()
    {
        // The Api's clock stands still, so "301 s away" stays outside the tolerance however slowly the test runs.
        var time = new MutableTime(DateTimeOffset.UtcNow);
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Webhook_BadSignatureStaleTimestampOrTamperedBody_Is400AndChangesNothing), time);
        (Guid payment, _, _) = await kit.PendingAsync(await kit.PlanAsync());
        string body = BillingKit.Event("payment.succeeded", payment);
        string state = await kit.StateAsync();
        long now = time.GetUtcNow().ToUnixTimeSeconds();

        await ProblemAssert.IsAsync(await kit.SendAsync(body, secret: "whsec_somebody_else_0123456789"), HttpStatusCode.BadRequest, "webhook-signature-invalid");
        await ProblemAssert.IsAsync(await kit.SendAsync(body, timestamp: now - 301), HttpStatusCode.BadRequest, "webhook-timestamp-out-of-tolerance");
        await ProblemAssert.IsAsync(await kit.SendAsync(body, timestamp: now + 301), HttpStatusCode.BadRequest, "webhook-timestamp-out-of-tolerance");

        // Signed for one body, sent with another (the amount changed in transit).
        string signature = "t=" + now.ToString(CultureInfo.InvariantCulture) + ",v1="
            + WebhookSignature.Sign(Encoding.UTF8.GetBytes(BillingKit.Secret), now, Encoding.UTF8.GetBytes(body));
        string tampered = body.Replace("9.99", "0.01", StringComparison.Ordinal);
        await ProblemAssert.IsAsync(await kit.SendAsync(tampered, signature: signature), HttpStatusCode.BadRequest, "webhook-signature-invalid");
        // The timestamp is signed too: the same v1 under another t does not verify.
        string shifted = "t=" + (now - 1).ToString(CultureInfo.InvariantCulture) + signature[signature.IndexOf(',', StringComparison.Ordinal)..];
        await ProblemAssert.IsAsync(await kit.SendAsync(body, signature: shifted), HttpStatusCode.BadRequest, "webhook-signature-invalid");

        foreach (string malformed in new[] { "", "t=abc,v1=00", "v1=" + new string('0', 64), "t=" + now.ToString(CultureInfo.InvariantCulture), "t=1,t=2,v1=" + new string('0', 64) })
        {
            await ProblemAssert.IsAsync(await kit.SendAsync(body, signature: malformed), HttpStatusCode.BadRequest, "webhook-signature-invalid");
        }
        Assert.Equal(state, await kit.StateAsync());
        Assert.Equal("pending", await kit.ScalarAsync<string>("select status from payments where id = $1", payment));
    }

    [Fact]
    public async Task Webhook_KeyRotation_OldAndNewSecretsBothVerify()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Webhook_KeyRotation_OldAndNewSecretsBothVerify));
        Guid plan = await kit.PlanAsync();
        (Guid signedOld, _, _) = await kit.PendingAsync(plan);
        (Guid signedBoth, _, _) = await kit.PendingAsync(plan);

        HttpResponseMessage old = await kit.SendAsync(BillingKit.Event("payment.succeeded", signedOld), secret: BillingKit.OldSecret);
        Assert.Equal("applied", (await BillingKit.JsonAsync(old, HttpStatusCode.OK)).GetProperty("outcome").GetString());

        // During a rotation the provider sends two v1 values; one of them under a secret we no longer know is fine.
        string body = BillingKit.Event("payment.succeeded", signedBoth);
        long t = kit.Time.GetUtcNow().ToUnixTimeSeconds(); // the Api's clock, as every signature of the kit
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        string header = "t=" + t.ToString(CultureInfo.InvariantCulture)
            + ",v1=" + WebhookSignature.Sign(Encoding.UTF8.GetBytes("whsec_retired_long_ago_000000"), t, bytes)
            + ",v1=" + WebhookSignature.Sign(Encoding.UTF8.GetBytes(BillingKit.Secret), t, bytes);
        Assert.Equal("applied", (await BillingKit.JsonAsync(await kit.SendAsync(body, signature: header), HttpStatusCode.OK)).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Webhook_AmountOrCurrencyMismatch_Is409AndChangesNothing()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Webhook_AmountOrCurrencyMismatch_Is409AndChangesNothing));
        (Guid payment, _, _) = await kit.PendingAsync(await kit.PlanAsync());
        string state = await kit.StateAsync();

        await ProblemAssert.IsAsync(await kit.SendAsync(BillingKit.Event("payment.succeeded", payment, amount: "9.98")), HttpStatusCode.Conflict, "payment-mismatch");
        await ProblemAssert.IsAsync(await kit.SendAsync(BillingKit.Event("payment.succeeded", payment, currency: "EUR")), HttpStatusCode.Conflict, "payment-mismatch");
        Assert.Equal(state, await kit.StateAsync());

        // Trailing zeros are the same amount (decimal comparison, not text).
        await kit.SucceedAsync(payment, amount: "9.990");
    }

    [Fact]
    public async Task Webhook_UnknownEventType_IsAcknowledgedAndRecordedOnly()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Webhook_UnknownEventType_IsAcknowledgedAndRecordedOnly));
        (Guid payment, _, _) = await kit.PendingAsync(await kit.PlanAsync());
        string body = JsonSerializer.Serialize(new { id = "evt_dispute", type = "charge.dispute.created", payment_id = payment, anything = new { nested = true } });

        JsonElement ack = await BillingKit.JsonAsync(await kit.SendAsync(body), HttpStatusCode.OK);
        Assert.Equal("ignored", ack.GetProperty("outcome").GetString());
        Assert.Equal("ignored", await kit.ScalarAsync<string>("select outcome from payment_events where event_id = 'evt_dispute'"));
        Assert.Equal("pending", await kit.ScalarAsync<string>("select status from payments where id = $1", payment));
    }

    [Fact]
    public async Task Webhook_PaymentFailed_MarksFailedAndALaterSuccessChangesNothing()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Webhook_PaymentFailed_MarksFailedAndALaterSuccessChangesNothing));
        (Guid payment, _, HttpClient customer) = await kit.PendingAsync(await kit.PlanAsync());
        string failed = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = "evt_fail", ["type"] = "payment.failed", ["payment_id"] = payment, ["amount"] = 9.99m, ["currency"] = "USD", ["reason"] = "card_declined",
        });
        Assert.Equal("applied", (await BillingKit.JsonAsync(await kit.SendAsync(failed), HttpStatusCode.OK)).GetProperty("outcome").GetString());
        JsonElement dto = await BillingKit.JsonAsync(await customer.GetAsync($"/api/v1/payments/{payment}"), HttpStatusCode.OK);
        Assert.Equal("failed", dto.GetProperty("status").GetString());
        Assert.Equal("card_declined", dto.GetProperty("failureReason").GetString());

        Assert.Equal("no_change", (await BillingKit.JsonAsync(await kit.SendAsync(BillingKit.Event("payment.succeeded", payment)), HttpStatusCode.OK))
            .GetProperty("outcome").GetString());
        Assert.Equal(0L, await kit.ScalarAsync<long>("select count(*) from subscriptions"));
        Assert.Equal(1L, await kit.AuditCountAsync("payment.failed"));
    }

    [Fact]
    public async Task Webhook_UnknownProviderOrPayment_Is404AndChangesNothing()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Webhook_UnknownProviderOrPayment_Is404AndChangesNothing));
        (Guid payment, _, _) = await kit.PendingAsync(await kit.PlanAsync());
        string state = await kit.StateAsync();
        await ProblemAssert.IsAsync(await kit.SendAsync(BillingKit.Event("payment.succeeded", payment), provider: "other"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await kit.SendAsync(BillingKit.Event("payment.succeeded", Ids.NewId())), HttpStatusCode.NotFound, "not-found");
        // Whatever an anonymous caller puts in the route is not written back into the message (the instance is the path, encoded).
        JsonElement echoed = await ProblemAssert.IsAsync(
            await kit.SendAsync(BillingKit.Event("payment.succeeded", payment), provider: "%3Cscript%3Ealert(1)%3C%2Fscript%3E"), HttpStatusCode.NotFound, "not-found");
        Assert.DoesNotContain("script", echoed.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(state, await kit.StateAsync());
    }

    [Fact]
    public async Task Webhook_MalformedEventOrOversizedBody_IsRefusedAndChangesNothing()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Webhook_MalformedEventOrOversizedBody_IsRefusedAndChangesNothing),
            settings: new() { ["Billing:WebhookMaxBodyBytes"] = "2048" });
        (Guid payment, _, _) = await kit.PendingAsync(await kit.PlanAsync());
        string state = await kit.StateAsync();

        await ProblemAssert.IsAsync(await kit.SendAsync("{not json"), HttpStatusCode.BadRequest, "validation");
        JsonElement missing = await ProblemAssert.IsAsync(
            await kit.SendAsync(JsonSerializer.Serialize(new { id = "evt_x", type = "payment.succeeded", payment_id = "nope", amount = "abc" })),
            HttpStatusCode.BadRequest, "validation");
        Assert.Equal(["amount", "currency", "payment_id"], missing.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        string big = JsonSerializer.Serialize(new { id = "evt_big", type = "payment.succeeded", payment_id = payment, amount = "9.99", currency = "USD", pad = new string('x', 3000) });
        await ProblemAssert.IsAsync(await kit.SendAsync(big), HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        Assert.Equal(state, await kit.StateAsync());
    }
}
