using Vpn.Perf.Api.Data;
using Npgsql;
using Vpn.Perf.Api.Tests.SingBox;

namespace Vpn.Perf.Api.Tests.Features.Configs;

/// <summary>Rows for config tests, written straight to the test's own database. Ids are fresh per call (Redis is shared between tests).</summary>
internal sealed class ConfigSeed(NpgsqlDataSource db)
{
    public const string RealitySettings =
        $$"""{"flow":"xtls-rprx-vision","server_name":"www.example.com","reality_public_key":"{{InboundSpecTests.RealityKey}}","reality_short_id":"abcd"}""";

    public NpgsqlDataSource Db => db;

    public async Task<Guid> UserAsync(string role = "customer")
    {
        Guid id = Ids.NewId();
        await ExecAsync("insert into users (id, email, password_hash, role) values ($1, $2, 'h', $3)", id, id.ToString("N") + "@x", role);
        return id;
    }

    public async Task<Guid> NodeAsync(string name)
    {
        Guid id = Ids.NewId();
        await ExecAsync("insert into nodes (id, name) values ($1, $2)", id, name);
        return id;
    }

    public async Task<Guid> InboundAsync(Guid node, string tag, string protocol, string network, string tls, string settings, int port = 443, bool active = true)
    {
        Guid id = Ids.NewId();
        await ExecAsync("""
            insert into inbounds (id, node_id, tag, host, port, protocol, network, tls, settings, is_active)
            values ($1, $2, $3, 'node.example.com', $4, $5, $6, $7, $8::jsonb, $9)
            """, id, node, tag, port, protocol, network, tls, settings, active);
        return id;
    }

    public async Task<Guid> SubscriptionAsync(Guid owner, string title = "My VPN", Guid? id = null)
    {
        Guid sid = id ?? Ids.NewId();
        await ExecAsync("""
            insert into subscriptions (id, owner_id, title, secret, traffic_reset_period, reset_anchor)
            values ($1, $2, $3, $4, 'P1M', '2025-01-31T00:00:00Z')
            """, sid, owner, title, Guid.NewGuid().ToString());
        return sid;
    }

    public Task LinkAsync(Guid subscription, params Guid[] inbounds)
        => ExecAsync("insert into subscription_inbounds select $1, unnest($2::uuid[])", subscription, inbounds);

    public async Task ExecAsync(string sql, params object[] args)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(sql);
        foreach (object a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] args)
    {
        await using NpgsqlCommand cmd = db.CreateCommand(sql);
        foreach (object a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        return (T)(await cmd.ExecuteScalarAsync())!;
    }
}
