using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Billing.Webhooks;
using Vpn.Perf.Api.Tests.Features.Billing;

namespace Vpn.Perf.Api.Tests.Hosting;

/// <summary>Issue 10 §3: a NUL byte anywhere in text input is a 400 validation problem, never a 500 from Postgres (22021).</summary>
public sealed class TextInputGuardTests
{
    [Fact]
    public async Task Issue10_NulInQueryRouteOrBody_IsValidationProblemNamingTheField()
    {
        var log = new LogCapture();
        await using var api = await ApiFactory.StartAsync(nameof(Issue10_NulInQueryRouteOrBody_IsValidationProblemNamingTheField));
        using WebApplicationFactory<Program> host = api.WithLog(log);
        HttpClient staff = host.CreateClient();
        staff.DefaultRequestHeaders.Authorization = new("Bearer", api.Tokens.Issue(Guid.NewGuid(), Roles.Superuser, Guid.NewGuid()));

        // Query values (the probe's ?q=%00), on several endpoints.
        await FieldsAsync(await staff.GetAsync("/api/v1/users?q=%00"), "q");
        await FieldsAsync(await staff.GetAsync("/api/v1/subscriptions?q=ab%00cd&limit=5"), "q");
        await FieldsAsync(await staff.GetAsync("/api/v1/groups?name=%00"), "name");
        // Anonymous endpoints too (the hot config fetch and the payment webhook). A NUL in the path itself never
        // arrives: Kestrel (and the test server) refuse a path that decodes to one.
        await FieldsAsync(await host.CreateClient().GetAsync("/s/abc?x=%00"), "x");
        await FieldsAsync(await host.CreateClient().PostAsync("/api/v1/payments/webhook/x?k=%00", new StringContent("{}", Encoding.UTF8, "application/json")), "k");
        await FieldsAsync(await staff.GetAsync("/api/v1/users?%00=1"), "query");
        // JSON bodies: a top-level name, a nested bulk filter, a title.
        await FieldsAsync(await staff.PostAsJsonAsync("/api/v1/groups", new { name = "a\0b" }), "name");
        await FieldsAsync(await staff.PostAsJsonAsync("/api/v1/subscriptions/bulk/suspend", new { filter = new { q = "\0" } }), "filter.q");
        await FieldsAsync(await staff.PostAsJsonAsync("/api/v1/subscriptions", new { ownerId = Guid.NewGuid(), title = "nul\0title" }), "title");
        await FieldsAsync(await staff.PostAsJsonAsync("/api/v1/users", new { username = "x\0y", role = Roles.Customer, password = "correct horse 42" }), "username");

        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Error);
        Assert.DoesNotContain(log.Entries, e => e.Exception is not null);
    }

    [Fact]
    public async Task Issue10_NulReachingPostgres_IsValidationProblemWithoutStackTrace()
    {
        // A webhook body is parsed by the billing code itself (it must see the signed bytes), not by the HTTP JSON
        // options: the event id reaches a text column, Postgres refuses it (22021), and the backstop answers.
        await using BillingKit kit = await BillingKit.StartAsync(nameof(Issue10_NulReachingPostgres_IsValidationProblemWithoutStackTrace));
        var log = new LogCapture();
        using WebApplicationFactory<Program> host = kit.Api.WithLog(log);
        (Guid payment, _, _) = await kit.PendingAsync(await kit.PlanAsync());
        byte[] body = Encoding.UTF8.GetBytes(BillingKit.Event("payment.succeeded", payment, id: "evt_a\0b"));
        long t = kit.Time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/payments/webhook/{BillingKit.Provider}") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header,
            "t=" + t.ToString(CultureInfo.InvariantCulture) + ",v1=" + WebhookSignature.Sign(Encoding.UTF8.GetBytes(BillingKit.Secret), t, body));

        await ProblemAssert.IsAsync(await host.CreateClient().SendAsync(request), HttpStatusCode.BadRequest, "validation");
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Error);
        Assert.DoesNotContain(log.Entries, e => e.Exception is not null);
    }

    private static async Task FieldsAsync(HttpResponseMessage response, params string[] fields)
    {
        JsonElement problem = await ProblemAssert.IsAsync(response, HttpStatusCode.BadRequest, "validation");
        string[] named = [.. problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
        Assert.Equal(fields.Order(StringComparer.Ordinal), named);
    }
}
