using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.SingBox;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Configs;

public sealed class ConfigTemplateEndpointTests
{
    [Fact]
    public async Task ConfigTemplate_WithoutTokenOrAsCustomer_IsRefused()
    {
        await using var api = await ApiFactory.StartAsync(nameof(ConfigTemplate_WithoutTokenOrAsCustomer_IsRefused));
        HttpClient anonymous = api.CreateClient();
        HttpClient customer = api.ClientAs(Ids.NewId(), Roles.Customer);
        var update = new { body = JsonNode.Parse(DefaultConfigTemplate.Json), version = 1 };

        await ProblemAssert.IsAsync(await anonymous.GetAsync("/api/v1/config-template"), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsAsync(await anonymous.PutAsJsonAsync("/api/v1/config-template", update), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAssert.IsAsync(await customer.GetAsync("/api/v1/config-template"), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsAsync(await customer.PutAsJsonAsync("/api/v1/config-template", update), HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task GetConfigTemplate_Operator_ReturnsTheCurrentTemplate()
    {
        await using var api = await ApiFactory.StartAsync(nameof(GetConfigTemplate_Operator_ReturnsTheCurrentTemplate));
        JsonElement view = await api.ClientAs(Ids.NewId(), Roles.Operator).GetFromJsonAsync<JsonElement>("/api/v1/config-template");
        Assert.Equal(1, view.GetProperty("version").GetInt64());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("updatedBy").ValueKind);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(DefaultConfigTemplate.Json).RootElement, view.GetProperty("body")));
    }

    [Fact]
    public async Task PutConfigTemplate_Valid_SavesBumpsVersionAuditsAndReachesConfigs()
    {
        await using var api = await ApiFactory.StartAsync(nameof(PutConfigTemplate_Valid_SavesBumpsVersionAuditsAndReachesConfigs));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        Guid staff = await seed.UserAsync(Roles.Superuser);
        Guid sid = await ConfigEndpointTests.OneInboundSubscriptionAsync(seed);
        HttpClient anonymous = ConfigEndpointTests.SingBoxClient(api);
        await ConfigEndpointTests.WaitListeningAsync(api.Services);
        string path = await ConfigEndpointTests.PathOfAsync(api.Services, seed, sid);
        Assert.Contains("\"level\":\"warn\"", await anonymous.GetStringAsync(path), StringComparison.Ordinal);

        JsonNode body = JsonNode.Parse(DefaultConfigTemplate.Json)!;
        body["log"]!["level"] = "debug";
        HttpResponseMessage r = await api.ClientAs(staff, Roles.Superuser).PutAsJsonAsync("/api/v1/config-template", new { body, version = 1 });
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        JsonElement view = await r.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, view.GetProperty("version").GetInt64());
        Assert.Equal(staff, view.GetProperty("updatedBy").GetGuid());

        Assert.Equal(2L, await seed.ScalarAsync<long>("select version from config_templates"));
        Assert.Equal(1L, await seed.ScalarAsync<long>(
            "select count(*) from audit_log where action = 'config_template.update' and actor_id = $1 and target = 'config_template:1' and (meta->>'version')::int = 2", staff));
        await ConfigEndpointTests.EventuallyAsync(
            async () => (await anonymous.GetStringAsync(path)).Contains("\"level\":\"debug\"", StringComparison.Ordinal), "the new template is rendered");
    }

    [Fact]
    public async Task PutConfigTemplate_Invalid_Is400WithErrorsByPath()
    {
        await using var api = await ApiFactory.StartAsync(nameof(PutConfigTemplate_Invalid_Is400WithErrorsByPath));
        HttpClient client = api.ClientAs(Ids.NewId(), Roles.Operator);
        JsonNode body = JsonNode.Parse(DefaultConfigTemplate.Json)!;
        body["dns"]!["servers"]![0] = JsonNode.Parse("""{"tag":"remote","address":"tls://1.1.1.1"}""");
        body["outbounds"]!.AsArray().Add(JsonNode.Parse("""{"type":"dns","tag":"dns-out"}"""));
        body["route"]!.AsObject().Remove("default_domain_resolver");

        JsonElement problem = await ProblemAssert.IsAsync(await client.PutAsJsonAsync("/api/v1/config-template", new { body, version = 1 }),
            HttpStatusCode.BadRequest, "validation");
        JsonElement errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("body.dns.servers[0]", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("body.outbounds[1].type", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("body.route.default_domain_resolver", out _), errors.ToString());

        await ProblemAssert.IsAsync(await client.PutAsJsonAsync("/api/v1/config-template", new { version = 1 }), HttpStatusCode.BadRequest, "validation");
        JsonElement tooBig = await ProblemAssert.IsAsync(await client.PutAsJsonAsync("/api/v1/config-template",
            new { body = new { log = new { output = new string('x', 70_000) } }, version = 1 }), HttpStatusCode.BadRequest, "validation");
        Assert.True(tooBig.GetProperty("errors").TryGetProperty("body", out _));
    }

    [Fact]
    public async Task PutConfigTemplate_StaleVersion_Is412AndChangesNothing()
    {
        await using var api = await ApiFactory.StartAsync(nameof(PutConfigTemplate_StaleVersion_Is412AndChangesNothing));
        await using NpgsqlDataSource db = api.OpenDataSource();
        var seed = new ConfigSeed(db);
        HttpClient client = api.ClientAs(await seed.UserAsync(Roles.Operator), Roles.Operator);
        JsonNode body = JsonNode.Parse(DefaultConfigTemplate.Json)!;
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/v1/config-template", new { body, version = 1 })).StatusCode);
        await ProblemAssert.IsAsync(await client.PutAsJsonAsync("/api/v1/config-template", new { body, version = 1 }), HttpStatusCode.PreconditionFailed, "stale-version");
        Assert.Equal(2L, await seed.ScalarAsync<long>("select version from config_templates"));
        Assert.Equal(1L, await seed.ScalarAsync<long>("select count(*) from audit_log"));
    }
}
