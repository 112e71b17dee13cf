using System.Globalization;
using System.Net;
using System.Text.Json;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Billing;

public sealed class InvoiceTests
{
    [Fact]
    public async Task Invoices_ConcurrentCompletions_AreNumberedWithoutGaps()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Invoices_ConcurrentCompletions_AreNumberedWithoutGaps));
        Guid plan = await kit.PlanAsync();
        var payments = new List<Guid>();
        for (int i = 0; i < 12; i++) payments.Add((await kit.PendingAsync(plan)).Payment);
        // One completion that fails (a mismatch, rolled back) must not burn a number.
        await ProblemAssert.IsAsync(await kit.SendAsync(BillingKit.Event("payment.succeeded", payments[0], amount: "1.00")), HttpStatusCode.Conflict, "payment-mismatch");

        HttpResponseMessage[] responses = await Task.WhenAll(payments.Select(p => kit.SendAsync(BillingKit.Event("payment.succeeded", p))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        int year = DateTime.UtcNow.Year;
        string[] numbers = await kit.ScalarAsync<string[]>("select array_agg(number order by seq) from invoices");
        Assert.Equal(Enumerable.Range(1, 12).Select(n => string.Create(CultureInfo.InvariantCulture, $"INV-{year}-{n:D6}")), numbers);
        Assert.Equal(12L, await kit.ScalarAsync<long>("select last_number from invoice_counters where year = $1", year));
    }

    [Fact]
    public async Task Invoices_CustomerAndStaffReads_AreScopedFilteredAndTotalledPerCurrency()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Invoices_CustomerAndStaffReads_AreScopedFilteredAndTotalledPerCurrency));
        Guid usd = await kit.PlanAsync(price: "9.99");
        Guid eur = await kit.PlanAsync(price: "5.50", currency: "EUR");
        Guid jpy = await kit.PlanAsync(price: "1200", currency: "JPY");
        (Guid p1, Guid alice, HttpClient aliceClient) = await kit.PendingAsync(usd);
        await kit.SucceedAsync(p1);
        JsonElement p2 = await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(aliceClient, eur), HttpStatusCode.Created);
        await kit.SucceedAsync(p2.GetProperty("id").GetGuid(), amount: "5.5", currency: "EUR");
        (Guid p3, _, HttpClient bobClient) = await kit.PendingAsync(usd);
        await kit.SucceedAsync(p3);
        (Guid p4, _, _) = await kit.PendingAsync(jpy);
        await kit.SucceedAsync(p4, amount: "1200", currency: "JPY");
        (Guid pending, _, _) = await kit.PendingAsync(usd);

        JsonElement mine = await BillingKit.JsonAsync(await aliceClient.GetAsync("/api/v1/invoices"), HttpStatusCode.OK);
        Assert.Equal(2, mine.GetProperty("items").GetArrayLength());
        Assert.All(mine.GetProperty("items").EnumerateArray(), i => Assert.Equal(alice, i.GetProperty("customerId").GetGuid()));
        // A customer's customer= filter cannot widen the scope.
        JsonElement widened = await BillingKit.JsonAsync(await bobClient.GetAsync($"/api/v1/invoices?customer={alice}"), HttpStatusCode.OK);
        Assert.Single(widened.GetProperty("items").EnumerateArray());

        HttpClient staff = kit.Staff();
        JsonElement all = await BillingKit.JsonAsync(await staff.GetAsync("/api/v1/payments/totals"), HttpStatusCode.OK);
        Assert.Equal(["EUR:1:5.50", "JPY:1:1200", "USD:2:19.98"],
            all.GetProperty("items").EnumerateArray().Select(t => $"{t.GetProperty("currency").GetString()}:{t.GetProperty("count").GetInt32()}:{t.GetProperty("amount").GetString()}"));
        JsonElement pendingTotals = await BillingKit.JsonAsync(await staff.GetAsync("/api/v1/payments/totals?status=pending"), HttpStatusCode.OK);
        Assert.Equal("9.99", Assert.Single(pendingTotals.GetProperty("items").EnumerateArray()).GetProperty("amount").GetString());
        JsonElement invoiceTotals = await BillingKit.JsonAsync(await staff.GetAsync($"/api/v1/invoices/totals?customer={alice}"), HttpStatusCode.OK);
        Assert.Equal(["EUR", "USD"], invoiceTotals.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("currency").GetString()));
        JsonElement aliceTotals = await BillingKit.JsonAsync(await aliceClient.GetAsync("/api/v1/payments/totals"), HttpStatusCode.OK);
        Assert.Equal(2, aliceTotals.GetProperty("items").GetArrayLength());

        // Staff filters and keyset pages.
        JsonElement byPlan = await BillingKit.JsonAsync(await staff.GetAsync($"/api/v1/payments?plan={usd}&status=succeeded"), HttpStatusCode.OK);
        Assert.Equal(new[] { p1, p3 }.Order(), byPlan.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetGuid()).Order());
        var seen = new List<Guid>();
        string? next = null;
        do
        {
            JsonElement page = await BillingKit.JsonAsync(await staff.GetAsync("/api/v1/payments?limit=2" + (next is null ? "" : "&after=" + next)), HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetGuid()));
            next = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        }
        while (next is not null);
        Assert.Equal(AdminTestKit.Newest(new[] { p1, p2.GetProperty("id").GetGuid(), p3, p4, pending }), seen);
        string future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O", CultureInfo.InvariantCulture));
        JsonElement none = await BillingKit.JsonAsync(await staff.GetAsync($"/api/v1/invoices?from={future}"), HttpStatusCode.OK);
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
        await AdminTestKit.ValidationAsync(await staff.GetAsync("/api/v1/payments?status=paid"), "status");
        await AdminTestKit.ValidationAsync(await staff.GetAsync($"/api/v1/invoices?from={future}&to={future}"), "to");

        // Another customer's payment or invoice reads as missing.
        Guid aliceInvoice = mine.GetProperty("items")[0].GetProperty("id").GetGuid();
        await ProblemAssert.IsAsync(await bobClient.GetAsync($"/api/v1/invoices/{aliceInvoice}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await bobClient.GetAsync($"/api/v1/payments/{p1}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await bobClient.GetAsync($"/api/v1/payments/{p1}/refunds"), HttpStatusCode.NotFound, "not-found");
        Guid aliceSub = await kit.ScalarAsync<Guid>("select subscription_id from payments where id = $1", p1);
        await ProblemAssert.IsAsync(await bobClient.GetAsync($"/api/v1/billing/subscriptions/{aliceSub}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await bobClient.PostAsync($"/api/v1/billing/subscriptions/{aliceSub}/auto-renew/cancel", null), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync($"/api/v1/invoices/{aliceInvoice}")).StatusCode);
    }
}
