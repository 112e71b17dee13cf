using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Vpn.Perf.Api.Auth;
using static Vpn.Perf.Api.Tests.Features.Nodes.NodeTestData;

namespace Vpn.Perf.Api.Tests.Hosting;

/// <summary>Issue 10 §3: a NUL byte anywhere in text input is a 400 validation problem, never a 500 from Postgres (22021).</summary>
public sealed class TextInputGuardTests
{
    [Fact]
    public async Task Issue10_NulInQueryRouteOrBody_IsValidationProblemNamingTheField()
    {
        var log = new LogCapture();
        await using var api = await ApiFactory.StartAsync(nameof(Issue10_NulInQueryRouteOrBody_IsValidationProblemNamingTheField));
        using WebApplicationFactory<Program> host = api.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(log)));
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
    public async Task Issue10_NulInsideAJsonDocumentField_PostgresRefusalIsValidationProblemWithoutStackTrace()
    {
        var log = new LogCapture();
        await using var api = await ApiFactory.StartAsync(nameof(Issue10_NulInsideAJsonDocumentField_PostgresRefusalIsValidationProblemWithoutStackTrace));
        using WebApplicationFactory<Program> host = api.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(log)));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        HttpClient staff = host.CreateClient();
        staff.DefaultRequestHeaders.Authorization = new("Bearer", api.Tokens.Issue(Guid.NewGuid(), Roles.Operator, Guid.NewGuid()));

        // Inbound settings are bound as one JSON document, not field by field; jsonb refuses \u0000 (22P05), the backstop answers.
        HttpResponseMessage r = await staff.PostAsJsonAsync($"/api/v1/nodes/{node}/inbounds", new
        {
            tag = "ss", host = "ams.example.net", port = 8388, protocol = "shadowsocks", network = "tcp", tls = "none",
            settings = new { method = "2022-blake3-aes-128-gcm", server_psk = "BqwWoad0gKRu5S3uNOSXtQ==", note = "a\0b" },
        });
        await ProblemAssert.IsAsync(r, HttpStatusCode.BadRequest, "validation");
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
