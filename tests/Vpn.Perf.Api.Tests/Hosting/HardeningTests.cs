using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Features.Auth;
using static Vpn.Perf.Api.Tests.Features.Nodes.NodeTestData;

namespace Vpn.Perf.Api.Tests.Hosting;

/// <summary>Issue 10 §3: response headers, JwtBearer's silence about why a token failed, Kestrel's limits.</summary>
public sealed class HardeningTests
{
    [Fact]
    public async Task Issue10_TokenBearingAnswers_AreNoStore()
    {
        await using var api = await AuthKit.StartAsync(nameof(Issue10_TokenBearingAnswers_AreNoStore));
        await AuthKit.SeedUserAsync(api, email: "ns@example.com");
        HttpClient client = api.CreateClient();

        HttpResponseMessage login = await AuthKit.PostAsync(client, "login", new { email = "ns@example.com", password = AuthKit.Password });
        Assert.True(login.Headers.CacheControl?.NoStore, "login");
        var tokens = await AuthKit.ReadTokensAsync(login);
        HttpResponseMessage refresh = await AuthKit.RefreshAsync(api, tokens.RefreshToken);
        Assert.Equal(HttpStatusCode.OK, refresh.StatusCode);
        Assert.True(refresh.Headers.CacheControl?.NoStore, "refresh");

        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        HttpResponseMessage key = await api.ClientAs(Guid.NewGuid(), Roles.Superuser).PostAsJsonAsync($"/api/v1/nodes/{node}/tokens", new { });
        Assert.Equal(HttpStatusCode.Created, key.StatusCode);
        Assert.True(key.Headers.CacheControl?.NoStore, "node token creation");
    }

    [Fact]
    public async Task Issue10_EveryAnswer_IsNosniff_AndSwaggerUiHasAFrameDenyingPolicy()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Issue10_EveryAnswer_IsNosniff_AndSwaggerUiHasAFrameDenyingPolicy));
        HttpClient anonymous = api.CreateClient();
        HttpClient signedIn = api.ClientAs(Guid.NewGuid(), Roles.Superuser);
        HttpResponseMessage[] answers =
        [
            await anonymous.GetAsync("/healthz"),
            await anonymous.GetAsync("/api/v1/users"),                           // 401 from the status-code pages
            await signedIn.GetAsync("/api/v1/nothing-here"),                    // 404
            await signedIn.PostAsJsonAsync("/api/v1/groups", new { name = "\0" }), // 400 from the exception handler
            await signedIn.GetAsync("/api/v1/users?q=%00"),                     // 400 from the NUL guard
            await anonymous.GetAsync("/api/openapi/v1.json"),
            await anonymous.GetAsync("/api/docs/index.html"),
            await anonymous.GetAsync("/s/no-such-link-token"),                 // the short-circuited config fetch's 404
            await anonymous.GetAsync("/s/no-such-link-token/nonsense"),        // its 400
        ];
        foreach (HttpResponseMessage r in answers)
        {
            Assert.True(r.Headers.TryGetValues("X-Content-Type-Options", out var values) && values.Single() == "nosniff",
                $"{r.RequestMessage?.RequestUri} ({(int)r.StatusCode}) has no nosniff");
        }

        HttpResponseMessage ui = await anonymous.GetAsync("/api/docs/index.html");
        string csp = string.Join(";", ui.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", csp, StringComparison.Ordinal);
        // Everything the page loads comes from itself, and there is no inline script for the policy to break.
        string html = await ui.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(@"<script(?![^>]*\bsrc=)", html);
        foreach (string asset in new[] { "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "index.js", "swagger-ui.css", "index.css" })
        {
            Assert.Contains(asset, html, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/docs/" + asset)).StatusCode);
        }
    }

    [Fact]
    public async Task Issue10_TokenRefused_WwwAuthenticateGivesNoReason()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Issue10_TokenRefused_WwwAuthenticateGivesNoReason));
        var other = new AccessTokenIssuer(new JwtOptions { SigningKey = new string('x', 48) }, TimeProvider.System);
        HttpClient client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", other.Issue(Guid.NewGuid(), Roles.Superuser, Guid.NewGuid()));
        HttpResponseMessage r = await client.GetAsync("/api/v1/users");
        await ProblemAssert.IsAsync(r, HttpStatusCode.Unauthorized, "unauthenticated");
        string challenge = string.Join(",", r.Headers.WwwAuthenticate.Select(h => h.ToString()));
        Assert.StartsWith("Bearer", challenge, StringComparison.Ordinal);
        Assert.DoesNotContain("error_description", challenge, StringComparison.Ordinal);
        Assert.DoesNotContain("signature", challenge, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Issue10_Kestrel_NoServerHeaderTenSecondHeaderTimeoutAndOneMiBBodies()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Issue10_Kestrel_NoServerHeaderTenSecondHeaderTimeoutAndOneMiBBodies));
        api.UseKestrel(0);
        api.StartServer();
        KestrelServerOptions kestrel = api.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value;
        Assert.False(kestrel.AddServerHeader);
        Assert.Equal(TimeSpan.FromSeconds(10), kestrel.Limits.RequestHeadersTimeout);
        Assert.Equal(1L << 20, kestrel.Limits.MaxRequestBodySize);

        HttpClient client = api.CreateClient();
        HttpResponseMessage health = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.False(health.Headers.Contains("Server"), "Kestrel sent a Server header");

        client.DefaultRequestHeaders.Authorization = new("Bearer", api.Tokens.Issue(Guid.NewGuid(), Roles.Superuser, Guid.NewGuid()));
        var tooBig = new StringContent("{\"name\":\"" + new string('a', (1 << 20) + 1) + "\"}", System.Text.Encoding.UTF8, "application/json");
        await ProblemAssert.IsAsync(await client.PostAsync("/api/v1/groups", tooBig), HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        // Just under the limit is read (and then refused by the name's own rule, as a validation problem).
        var under = new StringContent("{\"name\":\"" + new string('a', (1 << 20) - 100) + "\"}", System.Text.Encoding.UTF8, "application/json");
        await ProblemAssert.IsAsync(await client.PostAsync("/api/v1/groups", under), HttpStatusCode.BadRequest, "validation");
    }
}
