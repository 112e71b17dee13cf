using System.Net;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.ApiKeys;

/// <summary>
/// Issue 13 §3: a key's per-minute rate and daily quota, counted in Redis across instances and separate from the
/// per-IP limits; the clock is the test's, so windows reset when the test moves it.
/// </summary>
public sealed class ApiKeyLimitsTests
{
    private const string Subscriptions = "/api/v1/subscriptions";

    [Fact]
    public async Task ApiKey_BeyondItsRate_Is429WithRetryAfterUntilTheMinuteTurns()
    {
        var time = new MutableTime(DateTimeOffset.UtcNow);
        await using var kit = await ApiKeyKit.StartAsync(nameof(ApiKey_BeyondItsRate_Is429WithRetryAfterUntilTheMinuteTurns), time,
            new() { ["ApiKeys:PermitsPerMinute"] = "3" });
        Guid user = await kit.SeedUserAsync(Roles.Customer);
        (_, string key) = await kit.InsertKeyAsync(user, [ApiScopes.SubscriptionsRead]);
        (_, string other) = await kit.InsertKeyAsync(user, [ApiScopes.SubscriptionsRead]);
        HttpClient client = kit.WithKey(key);
        HttpClient session = kit.Session(user, Roles.Customer);
        for (int i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Subscriptions)).StatusCode);

        time.Advance(TimeSpan.FromSeconds(20));
        HttpResponseMessage limited = await client.GetAsync(Subscriptions);
        await ProblemAssert.IsAsync(limited, HttpStatusCode.TooManyRequests, "too-many-requests");
        Assert.Equal(TimeSpan.FromSeconds(40), limited.Headers.RetryAfter?.Delta);
        // Per key: another key of the same user, from the same address, is not limited; nor is the user's session.
        Assert.Equal(HttpStatusCode.OK, (await kit.WithKey(other).GetAsync(Subscriptions)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await session.GetAsync(Subscriptions)).StatusCode);

        time.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Subscriptions)).StatusCode);
    }

    [Fact]
    public async Task ApiKey_QuotaUsedUp_IsQuotaExhaustedUntil24HoursAfterTheWindowStart()
    {
        var time = new MutableTime(DateTimeOffset.UtcNow);
        await using var kit = await ApiKeyKit.StartAsync(nameof(ApiKey_QuotaUsedUp_IsQuotaExhaustedUntil24HoursAfterTheWindowStart), time);
        Guid user = await kit.SeedUserAsync(Roles.Customer);
        (_, string key) = await kit.InsertKeyAsync(user, [ApiScopes.SubscriptionsRead], dailyQuota: 2);
        HttpClient client = kit.WithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Subscriptions)).StatusCode);
        time.Advance(TimeSpan.FromHours(10));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Subscriptions)).StatusCode);

        time.Advance(TimeSpan.FromHours(13));
        HttpResponseMessage exhausted = await client.GetAsync(Subscriptions);
        await ProblemAssert.IsAsync(exhausted, HttpStatusCode.TooManyRequests, "quota-exhausted");
        Assert.Equal(TimeSpan.FromHours(1), exhausted.Headers.RetryAfter?.Delta);
        // Refused requests do not count, and the window is the first request's, not the calendar day's.
        time.Advance(TimeSpan.FromMinutes(59));
        await ProblemAssert.IsAsync(await client.GetAsync(Subscriptions), HttpStatusCode.TooManyRequests, "quota-exhausted");
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Subscriptions)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(Subscriptions)).StatusCode);
        await ProblemAssert.IsAsync(await client.GetAsync(Subscriptions), HttpStatusCode.TooManyRequests, "quota-exhausted");
    }
}
