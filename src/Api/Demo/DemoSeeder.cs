using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using Npgsql;
using Vpn.Perf.Api.Auth;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Features.Configs;
using Vpn.Perf.Api.Features.Nodes;
using Vpn.Perf.Api.Features.StateSync;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Api.Demo;

/// <summary>
/// <c>Vpn.Perf.Api seed-demo INGEST_URL API_URL ENV_FILE</c>: creates (once) a demo operator, customer, node,
/// inbound and subscription, publishes the node token and the subscription's state to Redis, writes a
/// sample batch, and prints how to push it. Idempotent: a second run reuses everything, including the
/// node token saved in ENV_FILE while it is still valid.
/// </summary>
internal sealed class DemoSeeder(NpgsqlDataSource db, StatePublisher publisher, TimeProvider time)
{
    private const string OperatorName = "demo-operator";
    private const string CustomerEmail = "demo@example.com";
    private const string NodeName = "demo-node-1";
    private const string SubscriptionTitle = "Demo subscription";
    private const string PasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public async Task RunAsync(string ingestUrl, string apiUrl, string envFile, CancellationToken ct)
    {
        Dictionary<string, string> previous = ReadEnv(envFile);
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);

        (Guid operatorId, string? operatorPassword) = await EnsureUserAsync(conn, tx, "username", OperatorName, "operator", ct);
        (Guid customerId, string? customerPassword) = await EnsureUserAsync(conn, tx, "email", CustomerEmail, "customer", ct);
        Guid nodeId = await ScalarOrInsertAsync(conn, tx,
            "select id from nodes where name = $1", [NodeName],
            "insert into nodes (id, name, description, geo, purpose) values ($1, $2, 'Demo node created by run.sh', 'NL', 'demo') returning id",
            [Ids.NewId(), NodeName], ct);
        Guid inboundId = await ScalarOrInsertAsync(conn, tx,
            "select id from inbounds where node_id = $1 and tag = 'vless-reality'", [nodeId],
            """
            insert into inbounds (id, node_id, tag, host, port, protocol, network, tls, geo, purpose, settings)
            values ($1, $2, 'vless-reality', 'demo.example.net', 443, 'vless', 'tcp', 'reality', 'NL', 'demo',
                    '{"flow":"xtls-rprx-vision","server_name":"www.example.com","reality_public_key":"jNXHt1yRo0vDuchQlIP6Z0ZvjT3KtzVI-T4E7RoLJS0","reality_short_id":"0123456789abcdef"}')
            returning id
            """,
            [Ids.NewId(), nodeId], ct);
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        DateTimeOffset anchor = DateTimeOffset.FromUnixTimeMilliseconds(now);
        Guid subscriptionId = await ScalarOrInsertAsync(conn, tx,
            "select id from subscriptions where owner_id = $1 and title = $2", [customerId, SubscriptionTitle],
            """
            insert into subscriptions (id, owner_id, title, secret, max_traffic, traffic_reset_period, reset_anchor)
            values ($1, $2, $3, $4, 107374182400, 'P1M', $5) returning id
            """,
            [Ids.NewId(), customerId, SubscriptionTitle, Guid.NewGuid().ToString(), anchor], ct);
        await ExecuteAsync(conn, tx, "insert into subscription_inbounds values ($1, $2) on conflict do nothing", [subscriptionId, inboundId], ct);

        string token = await EnsureTokenAsync(conn, tx, nodeId, previous.GetValueOrDefault("NODE_TOKEN"), ct);
        (long? maxTraffic, string period, DateTimeOffset resetAnchor, string linkToken) = await ReadSubscriptionAsync(conn, tx, subscriptionId, ct);
        await tx.CommitAsync(ct);

        await new NodeTokenPublication(db, publisher).PublishAsync(TokenId(nodeId), nodeId, NodeTokenKey.Hash(token), ct);
        await publisher.PublishSubscriptionAsync(subscriptionId,
            new SubscriptionState(maxTraffic, null, false, ResetPeriod.Parse(period), resetAnchor.ToUnixTimeMilliseconds()), ct);

        string configUrl = apiUrl.TrimEnd('/') + "/s/" + linkToken;
        string dataDir = Path.GetDirectoryName(Path.GetFullPath(envFile))!;
        string batchFile = Path.Combine(dataDir, "demo-batch.msgpack");
        await File.WriteAllBytesAsync(batchFile, SampleBatch(subscriptionId, inboundId, now), ct);
        await SecretFile.WriteAllTextAsync(envFile, string.Create(CultureInfo.InvariantCulture, $"""
            INGEST_URL={ingestUrl}
            API_URL={apiUrl}
            NODE_TOKEN={token}
            NODE_ID={nodeId}
            SUBSCRIPTION_ID={subscriptionId}
            CONFIG_URL={configUrl}
            INBOUND_ID={inboundId}
            OPERATOR_ID={operatorId}

            """), ct);

        string loginBody = $$"""{"username":"{{OperatorName}}","password":"<password above>"}""";
        Console.WriteLine($"""

            Demo operator   {OperatorName}{(operatorPassword is null ? "  (exists; password shown when it was created)" : $"  password: {operatorPassword}")}
            Demo customer   {CustomerEmail}{(customerPassword is null ? "  (exists)" : $"  password: {customerPassword}")}  (email verified)
            Node            {nodeId}  token: {token}
            Inbound         {inboundId}  (vless + reality, demo.example.net:443)
            Subscription    {subscriptionId}  (100 GiB per month)
            Saved to        {envFile}

            Push a sample batch (send it twice: the second answer says duplicate=true):
              curl -sS -H 'Authorization: Bearer {token}' -H 'Content-Type: application/msgpack' \
                --data-binary @{batchFile} {ingestUrl}/v1/reports | /usr/bin/python3 -c 'import msgpack,sys; print(msgpack.unpackb(sys.stdin.buffer.read()))'
            The subscription's config (the URL an app imports: its User-Agent chooses the format; rotate it with POST /api/v1/subscriptions/<id>/rotate-link):
              curl -sS -D - {configUrl}
            The same URL per format:
            {FormatUrls(configUrl)}
            Its QR code (PNG; ?type=svg for SVG), and the page a browser gets at the URL itself (needs Configs__PublicBaseUrl, which run.sh sets):
              {configUrl}/qr
            Sign in as the operator (the API reference is at {apiUrl}/api/docs):
              curl -sS -H 'Content-Type: application/json' -d '{loginBody}' {apiUrl}/api/v1/auth/login
            Usage in Redis:
              redis-cli -p 56379 get '{RedisKeys.Usage(subscriptionId, ResetPeriod.Parse(period).PeriodStart(resetAnchor.ToUnixTimeMilliseconds(), now), Buckets.DefaultCount)}'
            """);
    }

    /// <summary>One line per client format: the config URL with the format named in its path.</summary>
    private static string FormatUrls(string configUrl)
        => string.Join("\n", ConfigFormats.Names.Select(name => "  " + name.PadRight(12) + configUrl + "/" + name));

    // The demo token's id is derived from the node so re-publishing it is idempotent.
    private static Guid TokenId(Guid nodeId) => nodeId;

    private static byte[] SampleBatch(Guid subscriptionId, Guid inboundId, long nowMs)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new TrafficBatchWriter(buffer);
        long minute = nowMs / 60_000 * 60;
        writer.WriteHeader(new BatchHeader(TrafficBatchLayout.Version, (ulong)nowMs, nowMs, 2));
        writer.WriteReport(new TrafficReport(subscriptionId, inboundId, 1_048_576, 10_485_760, minute - 60, 60));
        writer.WriteReport(new TrafficReport(subscriptionId, inboundId, 524_288, 5_242_880, minute, 60));
        writer.WriteAccessHeader(0);
        writer.Complete();
        return buffer.WrittenSpan.ToArray();
    }

    private static async Task<string> EnsureTokenAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid nodeId, string? previous, CancellationToken ct)
    {
        if (previous is { Length: NodeTokenKey.Length })
        {
            byte[] hash = NodeTokenKey.Hash(previous);
            await using var check = new NpgsqlCommand("select 1 from node_tokens where node_id = $1 and key_hash = $2 and revoked_at is null", conn, tx);
            check.Parameters.AddWithValue(nodeId);
            check.Parameters.AddWithValue(hash);
            if (await check.ExecuteScalarAsync(ct) is not null) return previous;
        }
        string token = NodeTokenKey.Create();
        await ExecuteAsync(conn, tx, "update node_tokens set revoked_at = now() where id = $1 and revoked_at is null", [TokenId(nodeId)], ct);
        await ExecuteAsync(conn, tx, "delete from node_tokens where id = $1", [TokenId(nodeId)], ct);
        await ExecuteAsync(conn, tx, "insert into node_tokens (id, node_id, key_hash) values ($1, $2, $3)",
            [TokenId(nodeId), nodeId, NodeTokenKey.Hash(token)], ct);
        return token;
    }

    private static async Task<(Guid, string?)> EnsureUserAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string column, string name, string role, CancellationToken ct)
    {
        // column is one of two constants above, never input: the only non-parameter part of this SQL.
        string select = column == "email" ? "select id from users where email = $1" : "select id from users where username = $1";
        await using (var find = new NpgsqlCommand(select, conn, tx))
        {
            find.Parameters.AddWithValue(name);
            if (await find.ExecuteScalarAsync(ct) is Guid existing) return (existing, null);
        }
        string password = RandomNumberGenerator.GetString(PasswordAlphabet, 20);
        // The demo customer's address is no real mailbox, so no link could ever verify it: it starts verified, and
        // buys even with Auth:RequireVerifiedEmailForPurchases on.
        string insert = column == "email"
            ? "insert into users (id, email, password_hash, role, email_verified_at) values ($1, $2, $3, $4, now())"
            : "insert into users (id, username, password_hash, role) values ($1, $2, $3, $4)";
        Guid id = Ids.NewId();
        await ExecuteAsync(conn, tx, insert, [id, name, PasswordHasher.Hash(password), role], ct);
        return (id, password);
    }

    private static async Task<(long?, string, DateTimeOffset, string)> ReadSubscriptionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "select max_traffic, traffic_reset_period, coalesce(reset_anchor, created_at), link_token from subscriptions where id = $1", conn, tx);
        cmd.Parameters.AddWithValue(id);
        await using NpgsqlDataReader r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return (r.IsDBNull(0) ? null : r.GetInt64(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetString(3));
    }

    private static async Task<Guid> ScalarOrInsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string select, object[] selectArgs, string insert, object[] insertArgs, CancellationToken ct)
    {
        await using (var find = new NpgsqlCommand(select, conn, tx))
        {
            foreach (object a in selectArgs) find.Parameters.AddWithValue(a);
            if (await find.ExecuteScalarAsync(ct) is Guid existing) return existing;
        }
        await using var add = new NpgsqlCommand(insert, conn, tx);
        foreach (object a in insertArgs) add.Parameters.AddWithValue(a);
        return (Guid)(await add.ExecuteScalarAsync(ct))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, object[] args, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (object a in args) cmd.Parameters.AddWithValue(a);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static Dictionary<string, string> ReadEnv(string path)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path)) return values;
        foreach (string line in File.ReadAllLines(path))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) values[line[..eq]] = line[(eq + 1)..];
        }
        return values;
    }
}
