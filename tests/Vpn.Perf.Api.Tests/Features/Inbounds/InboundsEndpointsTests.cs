using Vpn.Perf.Api.Data;
using System.Net;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Tests.Hosting;
using static Vpn.Perf.Api.Tests.Features.Nodes.NodeTestData;

namespace Vpn.Perf.Api.Tests.Features.Inbounds;

public sealed class InboundsEndpointsTests
{
    private const string RealityKey = "Lj6LDiECcWQg25KMmkd4j0A8vusziCJbBr7JktmvX0E"; // URL-safe base64 of 32 bytes

    private static object Body(string tag = "vless-reality", int port = 443, string protocol = "vless", object? settings = null, string tls = "reality") => new
    {
        tag, host = "ams.example.net", port, protocol, network = "tcp", tls, geo = "NL", purpose = "general", isActive = true,
        settings = settings ?? new { flow = "xtls-rprx-vision", server_name = "www.example.com", reality_public_key = RealityKey, reality_short_id = "01" },
    };

    [Fact]
    public async Task CreateInbound_Valid_ReturnsCreatedReadableListedAndAudited()
    {
        await using var api = await ApiFactory.StartAsync(nameof(CreateInbound_Valid_ReturnsCreatedReadableListedAndAudited));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);

        HttpResponseMessage r = await SendAsync(client, HttpMethod.Post, $"/api/v1/nodes/{node}/inbounds", Body());

        JsonElement created = await JsonAsync(r, HttpStatusCode.Created);
        Guid id = created.GetProperty("id").GetGuid();
        Assert.Equal(node, created.GetProperty("nodeId").GetGuid());
        Assert.Equal("reality", created.GetProperty("tls").GetString());
        Assert.Equal("xtls-rprx-vision", created.GetProperty("settings").GetProperty("flow").GetString());
        JsonElement read = await JsonAsync(await client.GetAsync($"/api/v1/inbounds/{id}"), HttpStatusCode.OK);
        Assert.Equal(RealityKey, read.GetProperty("settings").GetProperty("reality_public_key").GetString());
        JsonElement page = await JsonAsync(await client.GetAsync($"/api/v1/nodes/{node}/inbounds"), HttpStatusCode.OK);
        Assert.Equal(id, Assert.Single(page.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
        var audit = Assert.Single(await AuditAsync(db));
        Assert.Equal(("inbound.create", "inbound:" + id), (audit.Action, audit.Target));
    }

    [Fact]
    public async Task CreateInbound_InvalidFields_Returns400WithFieldErrors()
    {
        await using var api = await ApiFactory.StartAsync(nameof(CreateInbound_InvalidFields_Returns400WithFieldErrors));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);

        HttpResponseMessage r = await SendAsync(client, HttpMethod.Post, $"/api/v1/nodes/{node}/inbounds",
            new { tag = "", host = "a b", port = 70000, protocol = "openvpn", settings = new[] { 1 } });

        JsonElement errors = (await ProblemAssert.IsAsync(r, HttpStatusCode.BadRequest, "validation")).GetProperty("errors");
        foreach (string field in new[] { "tag", "host", "port", "protocol", "settings" }) Assert.True(errors.TryGetProperty(field, out _), field);
        await ProblemAssert.IsAsync(await SendAsync(client, HttpMethod.Post, $"/api/v1/nodes/{node}/inbounds", Body(port: 0)), HttpStatusCode.BadRequest, "validation");
        Assert.Equal(0L, await ScalarAsync<long>(db, "select count(*) from inbounds"));
    }

    [Fact]
    public async Task CreateInbound_DuplicateTagOnNode_Returns409Conflict()
    {
        await using var api = await ApiFactory.StartAsync(nameof(CreateInbound_DuplicateTagOnNode_Returns409Conflict));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        await JsonAsync(await SendAsync(client, HttpMethod.Post, $"/api/v1/nodes/{node}/inbounds", Body()), HttpStatusCode.Created);

        await ProblemAssert.IsAsync(await SendAsync(client, HttpMethod.Post, $"/api/v1/nodes/{node}/inbounds", Body()), HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task UpdateAndDeleteInbound_Valid_ReplaceThenRemoveWithAudit()
    {
        await using var api = await ApiFactory.StartAsync(nameof(UpdateAndDeleteInbound_Valid_ReplaceThenRemoveWithAudit));
        await using NpgsqlDataSource db = api.OpenDataSource();
        Guid node = await NodeAsync(db);
        Guid id = await InboundAsync(db, node, "vless");
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Superuser);

        await ProblemAssert.IsAsync(await SendAsync(client, HttpMethod.Put, $"/api/v1/inbounds/{id}", Body(protocol: "nope")), HttpStatusCode.BadRequest, "validation");
        JsonElement updated = await JsonAsync(await SendAsync(client, HttpMethod.Put, $"/api/v1/inbounds/{id}",
            Body(tag: "ss", port: 8388, protocol: "shadowsocks", tls: "none", settings: new { method = "2022-blake3-aes-128-gcm", server_psk = "BqwWoad0gKRu5S3uNOSXtQ==" })), HttpStatusCode.OK);
        Assert.Equal("shadowsocks", updated.GetProperty("protocol").GetString());
        Assert.Equal(8388, updated.GetProperty("port").GetInt32());
        Assert.Equal("2022-blake3-aes-128-gcm", updated.GetProperty("settings").GetProperty("method").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/inbounds/{id}")).StatusCode);
        await ProblemAssert.IsAsync(await client.GetAsync($"/api/v1/inbounds/{id}"), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(new[] { "inbound.update", "inbound.delete" }, (await AuditAsync(db)).Select(a => a.Action));
    }

    [Fact]
    public async Task InboundEndpoints_UnknownIds_Return404()
    {
        await using var api = await ApiFactory.StartAsync(nameof(InboundEndpoints_UnknownIds_Return404));
        HttpClient client = api.ClientAs(Guid.NewGuid(), Roles.Operator);
        Guid missing = Ids.NewId();

        await ProblemAssert.IsAsync(await SendAsync(client, HttpMethod.Post, $"/api/v1/nodes/{missing}/inbounds", Body()), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.GetAsync($"/api/v1/nodes/{missing}/inbounds"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.GetAsync($"/api/v1/inbounds/{missing}"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await SendAsync(client, HttpMethod.Put, $"/api/v1/inbounds/{missing}", Body()), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.IsAsync(await client.DeleteAsync($"/api/v1/inbounds/{missing}"), HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task InboundEndpoints_WithoutStaffRole_AreRefused()
    {
        await using var api = await ApiFactory.StartAsync(nameof(InboundEndpoints_WithoutStaffRole_AreRefused));
        string node = $"/api/v1/nodes/{Ids.NewId()}/inbounds", inbound = $"/api/v1/inbounds/{Ids.NewId()}";
        await AssertRefusedAsync(api,
            [(HttpMethod.Post, node), (HttpMethod.Get, node), (HttpMethod.Get, inbound), (HttpMethod.Put, inbound), (HttpMethod.Delete, inbound)],
            Roles.Customer);
    }
}
