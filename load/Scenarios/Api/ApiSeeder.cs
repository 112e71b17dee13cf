using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;
using Microsoft.Extensions.Options;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Features.WireGuard;
using Vpn.Perf.Load.Engine;

namespace Vpn.Perf.Load.Scenarios.Api;

/// <summary>A seeded login: the account and the JSON body that signs it in.</summary>
internal sealed record LoginUser(string Email, byte[] Body);

/// <summary>
/// The data the Api scenarios need, written straight into Postgres: the tool's own database created and migrated
/// with the Api's own <c>migrate</c> command (with <c>--start-api</c>), then one node with inbounds whose settings the
/// Api's validator accepts, subscriptions (one owner each) linked to every inbound, and users whose passwords are
/// hashed with the Api's own bcrypt code at the chosen cost. Every id, name and email is fresh per run, so rows
/// added to a running Api's database never collide with anything there.
/// </summary>
internal static class ApiSeeder
{
    /// <summary>
    /// The six inbounds of <c>bench/SingBox/RenderBenchmarks</c> (settings as in docs/inbound-settings.md): vless REALITY
    /// with vision, vmess ws, trojan grpc, shadowsocks 2022, hysteria2, tuic. <c>--inbounds K</c> takes the first K.
    /// </summary>
    public static readonly (string Tag, string Protocol, string Network, string Tls, string Settings)[] InboundRows =
    [
        ("vless-reality", "vless", "tcp", "reality",
            """{"flow":"xtls-rprx-vision","server_name":"www.example.com","reality_public_key":"jNXHt1yRo0vDuchQlIP6Z0ZvjT3KtzVI-T4E7RoLJS0","reality_short_id":"0123456789abcdef"}"""),
        ("vmess-ws", "vmess", "ws", "tls", """{"path":"/vm","host_header":"cdn.example.com","max_early_data":2048,"server_name":"cdn.example.com"}"""),
        ("trojan-grpc", "trojan", "grpc", "tls", """{"service_name":"tr","server_name":"fra.example.com","alpn":["h2"],"utls_fingerprint":"chrome"}"""),
        ("ss2022", "shadowsocks", "tcp", "none", """{"method":"2022-blake3-aes-128-gcm","server_psk":"AAECAwQFBgcICQoLDA0ODw=="}"""),
        ("hy2", "hysteria2", "udp", "tls", """{"server_name":"hel.example.com","obfs":"salamander","obfs_password":"salad","up_mbps":50,"down_mbps":200}"""),
        ("tuic", "tuic", "udp", "tls", """{"server_name":"hel.example.com","congestion_control":"bbr","alpn":["h3"]}"""),
    ];

    /// <summary>
    /// The inbound of <c>--format wireguard</c>, instead of the six above: one WireGuard interface with IPv4 and IPv6
    /// pools large enough for every subscription, DNS, MTU, preshared keys and keepalive (every line wg-quick can get).
    /// </summary>
    public static readonly (string Tag, string Protocol, string Network, string Tls, string Settings) WireGuardRow =
        ("wg", "wireguard", "udp", "none",
            """{"public_key":"B7jFQkh2hqeDAYVfy20/aoqRHNfxmDqbRNydzSKDnSM=","ipv4_pool":"10.64.0.0/16","ipv6_pool":"fd42:64::/112","dns":["1.1.1.1"],"mtu":1420,"preshared_keys":true,"persistent_keepalive":25}""");

    /// <summary>Drops and recreates the tool's own database, then applies the schema with <c>dotnet &lt;Api.dll&gt; migrate schema/postgres</c>.</summary>
    public static Task CreateDatabaseAsync(ApiLoadSettings s, string apiDll, string outDir)
        => CreateDatabaseAsync(s.PostgresServer, s.Database, apiDll, outDir);

    /// <summary>Drops and recreates <paramref name="database"/> on <paramref name="postgresServer"/> (a connection string without a database), then migrates it.</summary>
    public static async Task CreateDatabaseAsync(string postgresServer, string database, string apiDll, string outDir)
    {
        // Only this tool's database is ever dropped: its name is checked, not taken on trust from a shared default.
        if (!database.StartsWith("vpnperf_load", StringComparison.Ordinal))
        {
            throw new ArgumentException($"--database must start with vpnperf_load (it is dropped and recreated); got {database}.");
        }
        await using (var admin = NpgsqlDataSource.Create($"{postgresServer};Database=postgres"))
        {
            await using (NpgsqlCommand drop = admin.CreateCommand($"drop database if exists {database} with (force)")) await drop.ExecuteNonQueryAsync();
            await using (NpgsqlCommand create = admin.CreateCommand($"create database {database}")) await create.ExecuteNonQueryAsync();
        }
        string root = IngestScenario.RepoRoot();
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["ConnectionStrings__Postgres"] = $"{postgresServer};Database={database}" };
        await using ChildProcess migrate = ChildProcess.Start("dotnet", [apiDll, "migrate", Path.Combine(root, "schema", "postgres")], env, root,
            Path.Combine(outDir, "migrate.log"));
        int code = await migrate.WaitForExitAsync(TimeSpan.FromSeconds(120));
        if (code != 0) throw new InvalidOperationException($"`dotnet {apiDll} migrate` exited with {code}; see {Path.Combine(outDir, "migrate.log")}.");
        Console.WriteLine($"database {database}: created and migrated");
    }

    /// <summary>
    /// One node with the first <paramref name="inbounds"/> inbound rows (or, with <paramref name="wireGuardKey"/>, the
    /// WireGuard inbound alone) and <paramref name="count"/> subscriptions linked to all of them, each with its WireGuard
    /// peer (keys made and encrypted at rest by the Api's own code, under <paramref name="wireGuardKey"/>, which the
    /// started Api gets too); returns their config link tokens (what <c>GET /s/{token}</c> takes).
    /// </summary>
    public static async Task<string[]> SeedSubscriptionsAsync(NpgsqlDataSource db, int count, int inbounds, string? wireGuardKey = null)
    {
        (string Tag, string Protocol, string Network, string Tls, string Settings)[] rows = wireGuardKey is null ? InboundRows[..inbounds] : [WireGuardRow];
        inbounds = rows.Length;
        long started = Stopwatch.GetTimestamp();
        string run = Guid.NewGuid().ToString("N")[..12];
        Guid node = Guid.CreateVersion7();
        var inboundIds = new Guid[inbounds];
        var owners = new Guid[count];
        var ids = new Guid[count];
        var emails = new string[count];
        var secrets = new string[count];
        for (int i = 0; i < count; i++)
        {
            owners[i] = Guid.CreateVersion7();
            ids[i] = Guid.CreateVersion7();
            emails[i] = $"config-{run}-{i}@load.test";
            secrets[i] = Guid.NewGuid().ToString();
        }
        await using NpgsqlConnection conn = await db.OpenConnectionAsync();
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync();
        await ExecAsync(conn, tx, "insert into nodes (id, name) values ($1, $2)", node, "load-" + run);
        for (int i = 0; i < inbounds; i++)
        {
            (string tag, string protocol, string network, string tls, string settings) = rows[i];
            inboundIds[i] = Guid.CreateVersion7();
            await ExecAsync(conn, tx, """
                insert into inbounds (id, node_id, tag, host, port, protocol, network, tls, settings)
                values ($1, $2, $3, 'node1.example.com', 443, $4, $5, $6, $7::jsonb)
                """, inboundIds[i], node, tag, protocol, network, tls, settings);
        }
        // Owners cannot sign in (no valid hash): config fetches are anonymous.
        await ExecAsync(conn, tx, "insert into users (id, email, password_hash, role) select unnest($1::uuid[]), unnest($2::text[]), '!', 'customer'",
            owners, emails);
        var tokens = new List<string>(count);
        await using (var insert = new NpgsqlCommand("""
            insert into subscriptions (id, owner_id, title, secret, expires_at, max_traffic, traffic_reset_period, reset_anchor)
            select unnest($1::uuid[]), unnest($2::uuid[]), 'Vpn.Perf load', unnest($3::text[]), now() + interval '365 days', 107374182400, 'P1M', now()
            returning link_token
            """, conn, tx))
        {
            insert.Parameters.AddWithValue(ids);
            insert.Parameters.AddWithValue(owners);
            insert.Parameters.AddWithValue(secrets);
            await using NpgsqlDataReader r = await insert.ExecuteReaderAsync();
            while (await r.ReadAsync()) tokens.Add(r.GetString(0));
        }
        await ExecAsync(conn, tx, "insert into subscription_inbounds select s, i from unnest($1::uuid[]) s, unnest($2::uuid[]) i", ids, inboundIds);
        if (wireGuardKey is not null) await SeedPeersAsync(conn, tx, ids, inboundIds[0], wireGuardKey);
        await tx.CommitAsync();
        Console.WriteLine($"seeded node load-{run}, {inbounds} inbound(s), {count} subscriptions in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        return [.. tokens];
    }

    /// <summary>One peer per subscription on <paramref name="inbound"/>: addresses 2, 3, … of its pools, a preshared key each.</summary>
    private static async Task SeedPeersAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid[] subscriptions, Guid inbound, string wireGuardKey)
    {
        var protector = new PeerKeyProtector(Options.Create(new WireGuardOptions { KeyEncryptionKey = wireGuardKey }));
        var indexes = new int[subscriptions.Length];
        var publicKeys = new string[subscriptions.Length];
        var privateKeys = new byte[subscriptions.Length][];
        var presharedKeys = new byte[subscriptions.Length][];
        for (int i = 0; i < subscriptions.Length; i++)
        {
            using PeerKeys keys = PeerKeys.Create(presharedKey: true);
            indexes[i] = i + 2;
            publicKeys[i] = keys.PublicKey;
            privateKeys[i] = protector.Protect(keys.PrivateKey, subscriptions[i], inbound, PeerSecret.PrivateKey);
            presharedKeys[i] = protector.Protect(keys.PresharedKey, subscriptions[i], inbound, PeerSecret.PresharedKey);
        }
        // Npgsql sends a bytea[] for byte[][]; unnest pairs the arrays up row by row.
        await ExecAsync(conn, tx, """
            insert into wireguard_peers (subscription_id, inbound_id, address_index, public_key, private_key, preshared_key, key_id)
            select s, $2, a, k, p, q, $7 from unnest($1::uuid[], $3::int[], $4::text[], $5::bytea[], $6::bytea[]) as t(s, a, k, p, q)
            """, subscriptions, inbound, indexes, publicKeys, privateKeys, presharedKeys, protector.CurrentKeyId);
    }

    /// <summary>
    /// <paramref name="count"/> customers with their own random password, hashed by the Api's <see cref="Passwords"/> at
    /// <paramref name="cost"/> (in parallel: at cost 12 one hash takes a quarter of a second of one core).
    /// </summary>
    public static async Task<LoginUser[]> SeedUsersAsync(NpgsqlDataSource db, int count, int cost)
    {
        long started = Stopwatch.GetTimestamp();
        string run = Guid.NewGuid().ToString("N")[..12];
        var passwords = new Passwords(cost);
        var ids = new Guid[count];
        var emails = new string[count];
        var plain = new string[count];
        var hashes = new string[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            ids[i] = Guid.CreateVersion7();
            emails[i] = $"login-{run}-{i}@load.test";
            plain[i] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
            hashes[i] = passwords.Hash(plain[i]);
        });
        await using (NpgsqlConnection conn = await db.OpenConnectionAsync())
        {
            await ExecAsync(conn, null, "insert into users (id, email, password_hash, role) select unnest($1::uuid[]), unnest($2::text[]), unnest($3::text[]), 'customer'",
                ids, emails, hashes);
        }
        var users = new LoginUser[count];
        for (int i = 0; i < count; i++)
        {
            users[i] = new LoginUser(emails[i], System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
                new Dictionary<string, string> { ["email"] = emails[i], ["password"] = plain[i], ["deviceName"] = "vpn-perf load" }));
        }
        Console.WriteLine($"seeded {count} users (bcrypt cost {cost}) in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        return users;
    }

    private static async Task ExecAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (object a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        await cmd.ExecuteNonQueryAsync();
    }
}
