using Vpn.Perf.Api.Data;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Vpn.Perf.Api.Tests.Hosting;

namespace Vpn.Perf.Api.Tests.Features.Nodes;

/// <summary>Arrange helpers for the node, inbound, audit and node-sync tests: rows written with plain SQL.</summary>
internal static class NodeTestData
{
    public static Task ExecAsync(NpgsqlDataSource db, string sql, params object?[] args) => TestSql.ExecAsync(db, sql, args);

    public static Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, params object?[] args) => TestSql.ScalarAsync<T>(db, sql, args);

    public static async Task<Guid> UserAsync(NpgsqlDataSource db, bool disabled = false)
    {
        Guid id = Ids.NewId();
        await ExecAsync(db, "insert into users (id, email, password_hash, role, disabled) values ($1, $2, 'x', 'customer', $3)", id, id + "@example.com", disabled);
        return id;
    }

    public static async Task<Guid> NodeAsync(NpgsqlDataSource db, string? name = null)
    {
        Guid id = Ids.NewId();
        await ExecAsync(db, "insert into nodes (id, name) values ($1, $2)", id, name ?? "node-" + id.ToString("N"));
        return id;
    }

    public static async Task<Guid> InboundAsync(NpgsqlDataSource db, Guid nodeId, string protocol, string settings = "{}", bool active = true, string? tag = null)
    {
        Guid id = Ids.NewId();
        await ExecAsync(db, "insert into inbounds (id, node_id, tag, host, port, protocol, is_active, settings) values ($1, $2, $3, 'h.example.net', 443, $4, $5, $6::jsonb)",
            id, nodeId, tag ?? protocol + "-" + id.ToString("N")[^12..], protocol, active, settings);
        return id;
    }

    public static async Task<(Guid Id, string Secret)> SubscriptionAsync(NpgsqlDataSource db, Guid ownerId, params Guid[] inbounds)
    {
        Guid id = Ids.NewId();
        string secret = Guid.NewGuid().ToString();
        await ExecAsync(db, "insert into subscriptions (id, owner_id, secret) values ($1, $2, $3)", id, ownerId, secret);
        foreach (Guid inbound in inbounds) await ExecAsync(db, "insert into subscription_inbounds values ($1, $2)", id, inbound);
        return (id, secret);
    }

    public static Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
        => TestSql.JsonAsync(response, expected);

    public static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string url, object? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = JsonContent.Create(body);
        return client.SendAsync(request);
    }

    /// <summary>Asserts every endpoint refuses an anonymous caller (401) and each wrong role (403).</summary>
    public static async Task AssertRefusedAsync(ApiFactory api, IEnumerable<(HttpMethod Method, string Url)> endpoints, params string[] wrongRoles)
    {
        HttpClient anonymous = api.CreateClient();
        foreach ((HttpMethod method, string url) in endpoints)
        {
            await ProblemAssert.IsAsync(await SendAsync(anonymous, method, url, new { }), HttpStatusCode.Unauthorized, "unauthenticated");
            foreach (string role in wrongRoles)
            {
                HttpClient client = api.ClientAs(Guid.NewGuid(), role);
                await ProblemAssert.IsAsync(await SendAsync(client, method, url, new { }), HttpStatusCode.Forbidden, "forbidden");
            }
        }
    }

    /// <summary>Audit entries (action, target, meta) in id order.</summary>
    public static async Task<List<(string Action, string Target, string Meta)>> AuditAsync(NpgsqlDataSource db)
    {
        var rows = new List<(string, string, string)>();
        await using NpgsqlCommand cmd = db.CreateCommand("select action, target, meta::text from audit_log order by id");
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows.Add((r.GetString(0), r.GetString(1), r.GetString(2)));
        return rows;
    }
}
