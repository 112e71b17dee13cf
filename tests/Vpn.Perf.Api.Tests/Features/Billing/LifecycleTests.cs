using Vpn.Perf.Api.Data;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vpn.Perf.Api.Features.Billing.Lifecycle;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Billing;

public sealed class LifecycleTests
{
    [Fact]
    public async Task PaidSubscription_PeriodEnds_ConfigIsRefusedAtThatMomentWithoutTheJob()
    {
        var time = new MutableTime(DateTimeOffset.UtcNow);
        await using BillingKit kit = await BillingKit.StartAsync(nameof(PaidSubscription_PeriodEnds_ConfigIsRefusedAtThatMomentWithoutTheJob), time);
        (Guid payment, _, _) = await kit.PendingAsync(await kit.PlanAsync(duration: "P1D"));
        await kit.SucceedAsync(payment);
        Guid sid = await kit.ScalarAsync<Guid>("select subscription_id from payments where id = $1", payment);
        var expires = new DateTimeOffset(await kit.ScalarAsync<DateTime>("select expires_at from subscriptions where id = $1", sid));
        HttpClient client = kit.Anonymous();
        string path = await kit.ConfigPathAsync(sid);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);

        time.Advance(expires - time.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await ProblemAssert.IsAsync(await client.GetAsync(path), HttpStatusCode.Forbidden, "subscription-expired");
        Assert.Equal(0L, await kit.AuditCountAsync("subscription.expired")); // the job is off: nothing waited for it
    }

    [Fact]
    public async Task ExpiryJob_RecordsEachExpiryOnce_AndAgainAfterARenewalLapses()
    {
        var time = new MutableTime(DateTimeOffset.UtcNow);
        await using BillingKit kit = await BillingKit.StartAsync(nameof(ExpiryJob_RecordsEachExpiryOnce_AndAgainAfterARenewalLapses), time);
        Guid plan = await kit.PlanAsync(duration: "P1D");
        (Guid payment, _, HttpClient customer) = await kit.PendingAsync(plan);
        await kit.SucceedAsync(payment);
        ExpiryJob job = kit.Services.GetRequiredService<ExpiryJob>();
        Assert.Equal(0, await job.RunOnceAsync(CancellationToken.None));

        time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await job.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await job.RunOnceAsync(CancellationToken.None));
        Assert.Equal(1L, await kit.AuditCountAsync("subscription.expired"));
        JsonElement status = (await BillingKit.JsonAsync(await customer.GetAsync("/api/v1/billing/subscriptions"), HttpStatusCode.OK)).GetProperty("items")[0];
        Assert.True(status.GetProperty("isExpired").GetBoolean());

        JsonElement renewal = await BillingKit.JsonAsync(await BillingKit.PurchaseAsync(customer, plan), HttpStatusCode.Created);
        await kit.SucceedAsync(renewal.GetProperty("id").GetGuid());
        Assert.Equal(0, await job.RunOnceAsync(CancellationToken.None));
        time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, await job.RunOnceAsync(CancellationToken.None));
        Assert.Equal(2L, await kit.AuditCountAsync("subscription.expired"));
    }

    [Fact]
    public async Task AutoRenew_CustomerCancelsAndResumes_StateAndAuditFollow()
    {
        await using BillingKit kit = await BillingKit.StartAsync(nameof(AutoRenew_CustomerCancelsAndResumes_StateAndAuditFollow));
        (Guid payment, _, HttpClient customer) = await kit.PendingAsync(await kit.PlanAsync());
        await kit.SucceedAsync(payment);
        Guid sid = await kit.ScalarAsync<Guid>("select subscription_id from payments where id = $1", payment);

        JsonElement cancelled = await BillingKit.JsonAsync(await customer.PostAsync($"/api/v1/billing/subscriptions/{sid}/auto-renew/cancel", null), HttpStatusCode.OK);
        Assert.False(cancelled.GetProperty("autoRenew").GetBoolean());
        Assert.False(cancelled.GetProperty("isExpired").GetBoolean());
        JsonElement resumed = await BillingKit.JsonAsync(await kit.Staff().PostAsync($"/api/v1/billing/subscriptions/{sid}/auto-renew/resume", null), HttpStatusCode.OK);
        Assert.True(resumed.GetProperty("autoRenew").GetBoolean());
        Assert.Equal(1L, await kit.AuditCountAsync("subscription.auto_renew.cancel"));
        Assert.Equal(1L, await kit.AuditCountAsync("subscription.auto_renew.resume"));
        await ProblemAssert.IsAsync(await customer.PostAsync($"/api/v1/billing/subscriptions/{Ids.NewId()}/auto-renew/cancel", null),
            HttpStatusCode.NotFound, "not-found");
    }
}
