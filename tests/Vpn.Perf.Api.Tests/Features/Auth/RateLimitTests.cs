using System.Net;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Auth;

// Windows are one minute and start at a partition's first request, so a test that spends a few requests well
// inside that minute sees the limit deterministically.
public sealed class RateLimitTests
{
    [Fact]
    public async Task Login_BeyondThePerIpLimit_Answers429WithRetryAfter()
    {
        await using var api = await AuthKit.StartAsync(nameof(Login_BeyondThePerIpLimit_Answers429WithRetryAfter),
            new() { ["Auth:LoginPermitsPerMinute"] = "3" });
        await AuthKit.SeedUserAsync(api, email: "ip@example.com");
        HttpClient client = api.CreateClient();
        await AuthKit.LoginAsync(api, new { email = "ip@example.com", password = AuthKit.Password });
        await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "login", new { email = "x@example.com", password = "wrong password" }),
            HttpStatusCode.Unauthorized, "invalid-credentials");
        await AuthKit.ValidationAsync(await AuthKit.PostAsync(client, "login", new { email = "y@example.com" }), "password");

        // Different accounts, one address: the fourth attempt is refused even with the right password.
        HttpResponseMessage r = await AuthKit.PostAsync(client, "login", new { email = "ip@example.com", password = AuthKit.Password });
        await ProblemAssert.IsAsync(r, HttpStatusCode.TooManyRequests, "too-many-requests");
        Assert.InRange(r.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Login_BeyondThePerAccountLimit_Answers429ForThatAccountOnly()
    {
        await using var api = await AuthKit.StartAsync(nameof(Login_BeyondThePerAccountLimit_Answers429ForThatAccountOnly),
            new() { ["Auth:LoginAccountPermitsPerMinute"] = "2" });
        await AuthKit.SeedUserAsync(api, email: "target@example.com");
        await AuthKit.SeedUserAsync(api, username: "bystander", role: "operator");
        HttpClient client = api.CreateClient();
        await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "login", new { email = "target@example.com", password = "guess one" }),
            HttpStatusCode.Unauthorized, "invalid-credentials");
        // Case variants of one address share its bucket.
        await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "login", new { email = "TARGET@example.com", password = "guess two" }),
            HttpStatusCode.Unauthorized, "invalid-credentials");

        HttpResponseMessage r = await AuthKit.PostAsync(client, "login", new { email = "Target@Example.com", password = AuthKit.Password });
        await ProblemAssert.IsAsync(r, HttpStatusCode.TooManyRequests, "too-many-requests");
        Assert.NotNull(r.Headers.RetryAfter?.Delta);
        await AuthKit.LoginAsync(api, new { username = "bystander", password = AuthKit.Password });
    }

    [Fact]
    public async Task Register_BeyondTheLimits_Answers429()
    {
        await using var api = await AuthKit.StartAsync(nameof(Register_BeyondTheLimits_Answers429),
            new() { ["Auth:RegisterPermitsPerMinute"] = "3", ["Auth:RegisterAccountPermitsPerMinute"] = "1" });
        HttpClient client = api.CreateClient();
        await AuthKit.RegisteredAsync(await AuthKit.PostAsync(client, "register", new { email = "one@example.com", password = AuthKit.Password }));
        // Same address again: its own bucket is spent before the duplicate check.
        await ProblemAssert.IsAsync(await AuthKit.PostAsync(client, "register", new { email = "One@example.com", password = AuthKit.Password }),
            HttpStatusCode.TooManyRequests, "too-many-requests");
        await AuthKit.RegisteredAsync(await AuthKit.PostAsync(client, "register", new { email = "two@example.com", password = AuthKit.Password }));
        // Fourth registration from one address.
        HttpResponseMessage r = await AuthKit.PostAsync(client, "register", new { email = "three@example.com", password = AuthKit.Password });
        await ProblemAssert.IsAsync(r, HttpStatusCode.TooManyRequests, "too-many-requests");
        Assert.NotNull(r.Headers.RetryAfter?.Delta);
    }
}
