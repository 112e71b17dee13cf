using System.Net;
using System.Text.Json;
using Vpn.Perf.Api.Auth;

namespace Vpn.Perf.Api.Tests.Hosting;

public sealed class HostTests
{
    [Fact]
    public async Task Healthz_Anonymous_AnswersOk()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Healthz_Anonymous_AnswersOk));
        HttpResponseMessage r = await api.CreateClient().GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
    }

    [Fact]
    public async Task OpenApiDocumentAndBrowsableUi_Anonymous_AreServed()
    {
        await using var api = await ApiFactory.StartAsync(nameof(OpenApiDocumentAndBrowsableUi_Anonymous_AreServed));
        HttpClient client = api.CreateClient();
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/api/openapi/v1.json"));
        Assert.StartsWith("3.", doc.RootElement.GetProperty("openapi").GetString());
        JsonElement paths = doc.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/s/{token}", out _), "the config route takes the link token");
        // The fetch writes its answers itself: the document learns their media types from the route's metadata.
        foreach (string route in new[] { "/s/{token}", "/s/{token}/{format}" })
        {
            JsonElement content = paths.GetProperty(route).GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
            foreach (string media in new[] { "application/json", "text/yaml", "text/plain", "text/html" })
            {
                Assert.True(content.TryGetProperty(media, out _), $"{route} answers {media}");
            }
        }
        Assert.True(paths.GetProperty("/s/{token}/qr").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("image/png", out _),
            "the QR code is listed with its media types");
        Assert.False(paths.TryGetProperty("/s/{subscription_id}", out _));
        Assert.True(paths.GetProperty("/api/v1/subscriptions/{id}/rotate-link").TryGetProperty("post", out _));
        HttpResponseMessage ui = await client.GetAsync("/api/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("swagger", await ui.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task UnknownRoute_WithoutToken_IsProblem401()
    {
        await using var api = await ApiFactory.StartAsync(nameof(UnknownRoute_WithoutToken_IsProblem401));
        HttpResponseMessage r = await api.CreateClient().GetAsync("/api/v1/nothing-here");
        await ProblemAssert.IsAsync(r, HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task UnknownRoute_WithToken_IsProblem404()
    {
        await using var api = await ApiFactory.StartAsync(nameof(UnknownRoute_WithToken_IsProblem404));
        HttpResponseMessage r = await api.ClientAs(Guid.NewGuid(), Roles.Customer).GetAsync("/api/v1/nothing-here");
        await ProblemAssert.IsAsync(r, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Start_SigningKeyUnder32Bytes_Refuses()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Start_SigningKeyUnder32Bytes_Refuses),
            new Dictionary<string, string?> { ["Auth:SigningKey"] = new string('k', 31) });
        var ex = Assert.ThrowsAny<Exception>(() => api.CreateClient());
        Assert.Contains("at least 32", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_SignedWithAnotherKeyOrExpired_IsRejected()
    {
        await using var api = await ApiFactory.StartAsync(nameof(Token_SignedWithAnotherKeyOrExpired_IsRejected),
            new Dictionary<string, string?> { ["Auth:AccessTokenLifetime"] = "00:00:01", ["Auth:ClockSkew"] = "00:00:00" });
        var other = new AccessTokenIssuer(new JwtOptions { SigningKey = new string('x', 48) }, TimeProvider.System);
        HttpClient client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", other.Issue(Guid.NewGuid(), Roles.Superuser, Guid.NewGuid()));
        await ProblemAssert.IsAsync(await client.GetAsync("/api/v1/nothing-here"), HttpStatusCode.Unauthorized, "unauthenticated");

        var past = new AccessTokenIssuer(new JwtOptions { SigningKey = ApiFactory.SigningKey }, new FixedTime(DateTimeOffset.UtcNow.AddHours(-1)));
        client.DefaultRequestHeaders.Authorization = new("Bearer", past.Issue(Guid.NewGuid(), Roles.Superuser, Guid.NewGuid()));
        await ProblemAssert.IsAsync(await client.GetAsync("/api/v1/nothing-here"), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
