using System.Net;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Auth;
using Vpn.Perf.Api.Tests.Features.Auth;
using Vpn.Perf.Api.Tests.Features.Mail;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Billing;

/// <summary>Issue 13 §2: with <c>Auth:RequireVerifiedEmailForPurchases</c> a customer buys only once their address is verified.</summary>
public sealed class PurchaseVerificationTests
{
    [Fact]
    public async Task Purchase_RequiredAndUnverified_Is403UntilTheMailedLinkIsOpened()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Purchase_RequiredAndUnverified_Is403UntilTheMailedLinkIsOpened),
            settings: AuthKit.MailSettings(new() { [AccountRules.RequireVerifiedEmailForPurchasesKey] = "true" }));
        Guid plan = await kit.PlanAsync();
        string email = MailTest.Recipient("buyer");
        await AuthKit.RegisteredAsync(await AuthKit.PostAsync(kit.Anonymous(), "register", new { email, password = AuthKit.Password }));
        TokenResponse tokens = await AuthKit.ReadTokensAsync(await AuthKit.PostAsync(kit.Anonymous(), "login", new { email, password = AuthKit.Password }));
        HttpClient customer = kit.Anonymous();
        customer.DefaultRequestHeaders.Authorization = new("Bearer", tokens.AccessToken);

        await ProblemAssert.IsAsync(await BillingKit.PurchaseAsync(customer, plan), HttpStatusCode.Forbidden, "email-not-verified");
        Assert.Equal(0L, await kit.ScalarAsync<long>("select count(*) from payments"));

        string token = await AuthKit.MailedTokenAsync(email, "verify-email");
        Assert.Equal(HttpStatusCode.NoContent, (await AuthKit.PostAsync(kit.Anonymous(), "verify-email", new { token })).StatusCode);
        await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(customer, plan), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Purchase_NotRequired_UnverifiedCustomerBuys()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Purchase_NotRequired_UnverifiedCustomerBuys));
        Guid plan = await kit.PlanAsync();
        (Guid id, HttpClient customer) = await kit.CustomerAsync();
        Assert.False(await kit.ScalarAsync<bool>("select email_verified_at is not null from users where id = $1", id));
        await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(customer, plan), HttpStatusCode.Created);
    }
}
