using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Configs;

public sealed class FormatRulesEndpointTests
{
    [Fact]
    public async Task StoredDefaults_InsertedByTheMigration_EqualTheShippedRules()
    {
        await using var api = await ApiFactory.StartAsync(nameof(StoredDefaults_InsertedByTheMigration_EqualTheShippedRules));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid staff = await new ConfigSeed(db).UserAsync(Roles.Superuser);
        JsonElement view = await api.ClientAs(staff, Roles.Superuser).GetFromJsonAsync<JsonElement>("/api/v1/config-format-rules");
        Assert.Equal(1, view.GetProperty("version").GetInt64());
        Assert.Equal("links", view.GetProperty("fallback").GetString());
        Assert.Equal(FormatRules.DefaultRules.Select(r => (r.Pattern, r.Format)),
            view.GetProperty("rules").EnumerateArray().Select(r => (r.GetProperty("pattern").GetString()!, r.GetProperty("format").GetString()!)));
    }

    [Fact]
    public async Task PutFormatRules_Valid_IsAuditedAndChoosesTheNextFetchesFormat()
    {
        await using var api = await ApiFactory.StartAsync(nameof(PutFormatRules_Valid_IsAuditedAndChoosesTheNextFetchesFormat));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid staff = await seed.UserAsync(Roles.Superuser);
        Guid sid = await ConfigEndpointTests.OneInboundSubscriptionAsync(seed);
        await ConfigEndpointTests.WaitListeningAsync(api.Services);
        string path = await ConfigEndpointTests.PathOfAsync(api.Services, seed, sid);
        HttpClient app = api.CreateClient();
        app.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "MyOperatorApp/3.1");
        Assert.Equal("text/plain", (await app.GetAsync(path)).Content.Headers.ContentType?.MediaType);

        HttpResponseMessage r = await api.ClientAs(staff, Roles.Superuser).PutAsJsonAsync("/api/v1/config-format-rules",
            new { rules = new[] { new { pattern = "^MyOperatorApp/", format = "mihomo" } }, fallback = "singbox", version = 1 });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        Assert.Equal(2, (await r.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64());
        Assert.Equal(1L, await seed.ScalarAsync<long>(
            "select count(*) from audit_log where action = 'config_format_rules.update' and actor_id = $1 and (meta->>'version')::int = 2", staff));

        await ConfigEndpointTests.EventuallyAsync(async () => (await app.GetAsync(path)).Content.Headers.ContentType?.MediaType == "text/yaml",
            "the new rule chooses mihomo");
        HttpClient noAgent = api.CreateClient();
        Assert.Equal("application/json", (await noAgent.GetAsync(path)).Content.Headers.ContentType?.MediaType); // the new fallback
    }

    [Fact]
    public async Task PutFormatRules_BadPatternFormatOrStaleVersion_IsRefusedAndChangesNothing()
    {
        await using var api = await ApiFactory.StartAsync(nameof(PutFormatRules_BadPatternFormatOrStaleVersion_IsRefusedAndChangesNothing));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid staff = await seed.UserAsync(Roles.Superuser);
        HttpClient client = api.ClientAs(staff, Roles.Superuser);

        JsonElement problem = await ProblemAssert.IsAsync(await client.PutAsJsonAsync("/api/v1/config-format-rules",
            new { rules = new[] { new { pattern = @"(a)\1", format = "mihomo" }, new { pattern = "x", format = "pdf" } }, fallback = "links", version = 1 }),
            HttpStatusCode.BadRequest, "validation");
        Assert.True(problem.GetProperty("errors").TryGetProperty("rules[0].pattern", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("rules[1].format", out _));
        await ProblemAssert.IsAsync(await client.PutAsJsonAsync("/api/v1/config-format-rules",
            new { rules = Array.Empty<object>(), fallback = "links", version = 7 }), HttpStatusCode.PreconditionFailed, "stale-version");
        Assert.Equal(1L, await seed.ScalarAsync<long>("select version from config_format_rules"));
    }

    [Fact]
    public async Task FormatRules_Customer_IsForbidden()
    {
        await using var api = await ApiFactory.StartAsync(nameof(FormatRules_Customer_IsForbidden));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid customer = await new ConfigSeed(db).UserAsync();
        await ProblemAssert.IsAsync(await api.ClientAs(customer, Roles.Customer).GetAsync("/api/v1/config-format-rules"), HttpStatusCode.Forbidden, "forbidden");
    }
}
