extern alias Ingest;

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ingest::Vpn.Perf.Ingest.ClickHouse;
using Npgsql;
using Vpn.Perf.Api.Data;
using Vpn.Perf.Api.Tests.Hosting;
using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Api.Tests.Features.Usage;

/// <summary>
/// One test's world: a Postgres database (ApiFactory), a ClickHouse database of its own (<c>t_api_&lt;hash&gt;</c>,
/// schema/clickhouse applied, dropped on dispose) and known rows (more with <see cref="InsertTrafficAsync"/>): two customers with a subscription each, a node
/// with two inbounds, and traffic in and around 2024-03-01..03. On shards (<c>ConnectionStrings__ClickHouseShards</c>,
/// the test command's shards pass) the database is on every shard with schema/clickhouse-shards, each row goes to its
/// subscription's shard as the Ingest puts it, and the Api reads shard 1's Distributed tables: the answers must not change.
/// The rows are written the Ingest's one way (its <c>TrafficTables</c>, referenced by this test project only: the Api
/// itself never depends on the Ingest).
/// </summary>
internal sealed class UsageWorld : IAsyncDisposable
{
    private readonly ClickHouseClient[] _admins;
    private readonly ClickHouseClient[] _shards;
    private readonly string _database;

    private UsageWorld(ApiFactory api, ClickHouseClient[] admins, ClickHouseClient[] shards, string database)
    {
        Api = api;
        _admins = admins;
        _shards = shards;
        _database = database;
    }

    public ApiFactory Api { get; }

    /// <summary>The database the Api reads: the one server, or shard 1 (its Distributed tables).</summary>
    public ClickHouseClient ClickHouse => _shards[0];

    public Guid Alice { get; } = Ids.NewId();
    public Guid Bob { get; } = Ids.NewId();
    public Guid AliceSub { get; } = Ids.NewId();
    public Guid BobSub { get; } = Ids.NewId();
    public Guid Node { get; } = Ids.NewId();
    public Guid Inbound { get; } = Ids.NewId();
    public Guid OtherInbound { get; } = Ids.NewId();

    public static async Task<UsageWorld> CreateAsync(string testName)
    {
        string database = "t_api_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(testName)))[..16];
        string? sharded = Environment.GetEnvironmentVariable("ConnectionStrings__ClickHouseShards");
        IReadOnlyList<ClickHouseOptions> servers = sharded is { Length: > 0 } ? ClickHouseShards.Parse(sharded) : [ClickHouseOptions.Parse(TestServers.ClickHouse)];
        var admins = new ClickHouseClient[servers.Count];
        var shards = new ClickHouseClient[servers.Count];
        for (int i = 0; i < servers.Count; i++)
        {
            admins[i] = new ClickHouseClient(servers[i] with { Database = ClickHouseOptions.DefaultDatabase });
            shards[i] = new ClickHouseClient(servers[i] with { Database = database });
        }
        try
        {
            foreach (ClickHouseClient admin in admins)
            {
                await admin.ExecuteAsync("DROP DATABASE IF EXISTS " + database, null, CancellationToken.None);
                await admin.ExecuteAsync("CREATE DATABASE " + database, null, CancellationToken.None);
            }
        }
        catch (ClickHouseUnavailableException ex)
        {
            foreach (ClickHouseClient c in admins.Concat(shards)) c.Dispose();
            throw new InvalidOperationException($"ClickHouse is unreachable ({ex.Message}); start the test servers with `{TestServers.StartCommand}`.", ex);
        }
        string schema = Path.Combine(Path.GetDirectoryName(TestServers.SchemaDirectory)!, servers.Count > 1 ? "clickhouse-shards" : "clickhouse");
        foreach (ClickHouseClient shard in shards) await ClickHouseSchema.ApplyAsync(shard, schema, CancellationToken.None);

        ClickHouseOptions options = servers[0];
        string auth = Uri.EscapeDataString(options.User) + (options.Password.Length > 0 ? ":" + Uri.EscapeDataString(options.Password) : "");
        var api = await ApiFactory.StartAsync(testName, new Dictionary<string, string?>
        {
            ["ConnectionStrings:ClickHouse"] = $"{options.Endpoint.Scheme}://{auth}@{options.Endpoint.Host}:{options.Endpoint.Port}/{database}",
            ["StateSync:Enabled"] = "false",
        });
        var world = new UsageWorld(api, admins, shards, database);
        await world.SeedAsync();
        return world;
    }

    private async Task SeedAsync()
    {
        await using NpgsqlDataSource db = Api.OpenDataSource();
        await using NpgsqlBatch batch = db.CreateBatch();
        Add(batch, "insert into users (id, email, password_hash, role) values ($1, 'alice@test', 'h', 'customer'), ($2, 'bob@test', 'h', 'customer')", Alice, Bob);
        Add(batch, "insert into subscriptions (id, owner_id, secret) values ($1, $2, 's'), ($3, $4, 's')", AliceSub, Alice, BobSub, Bob);
        Add(batch, "insert into nodes (id, name) values ($1, 'n1')", Node);
        Add(batch, "insert into inbounds (id, node_id, tag, host, port, protocol) values ($1, $3, 'a', 'h', 443, 'vless'), ($2, $3, 'b', 'h', 8443, 'trojan')",
            Inbound, OtherInbound, Node);
        await batch.ExecuteNonQueryAsync();

        TrafficRow[] rows =
        [
            Row("2024-03-01T10:15:00", AliceSub, Inbound, 100, 1000),
            Row("2024-03-01T10:45:00", AliceSub, Inbound, 10, 20),
            Row("2024-03-01T23:59:00", AliceSub, Inbound, 1, 2),
            Row("2024-03-02T00:30:00", AliceSub, OtherInbound, 5, 7),
            Row("2024-03-01T12:00:00", BobSub, Inbound, 7, 9),
            // Outside 2024-03-01 .. 2024-03-03 (exclusive): must never be counted.
            Row("2024-02-29T23:00:00", AliceSub, Inbound, 1_000_000, 1_000_000),
            Row("2024-03-03T00:00:00", AliceSub, Inbound, 1_000_000, 1_000_000),
        ];
        await InsertTrafficAsync(rows);
    }

    /// <summary>Inserts traffic rows as the Ingest would: into the one server, or each into its subscription's shard.</summary>
    public async Task InsertTrafficAsync(params TrafficRow[] rows)
    {
        if (_shards.Length == 1)
        {
            await InsertAsync(_shards[0], TrafficTables.Traffic, rows);
            return;
        }
        for (int s = 0; s < _shards.Length; s++)
        {
            TrafficRow[] mine = [.. rows.Where(r => ClickHouseShards.Of(r.SubscriptionId, _shards.Length) == s)];
            if (mine.Length > 0) await InsertAsync(_shards[s], TrafficTables.TrafficLocal, mine);
        }
    }

    private static async Task InsertAsync(ClickHouseClient client, string table, TrafficRow[] rows)
    {
        using var buffer = new PooledBufferWriter();
        var writer = new RowBinaryWriter(buffer);
        foreach (TrafficRow row in rows) TrafficTables.WriteTraffic(ref writer, row);
        await client.InsertRowBinaryAsync(table, TrafficTables.TrafficColumnList, buffer.WrittenMemory, CancellationToken.None);
    }

    private static void Add(NpgsqlBatch batch, string sql, params Guid[] ids)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (Guid id in ids) command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        batch.BatchCommands.Add(command);
    }

    /// <summary>A 60-second report starting at <paramref name="utc"/> (no offset: UTC), received when it ends, from <see cref="Node"/> unless another node is given.</summary>
    public TrafficRow Row(string utc, Guid subscription, Guid inbound, ulong up, ulong down, Guid? node = null)
    {
        long start = DateTimeOffset.Parse(utc + "Z", CultureInfo.InvariantCulture).ToUnixTimeSeconds();
        return new TrafficRow(start, 60, subscription, inbound, node ?? Node, (ulong)start, up, down, start + 60);
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        foreach (ClickHouseClient shard in _shards) shard.Dispose();
        try
        {
            foreach (ClickHouseClient admin in _admins) await admin.ExecuteAsync("DROP DATABASE IF EXISTS " + _database, null, CancellationToken.None);
        }
        finally
        {
            foreach (ClickHouseClient admin in _admins) admin.Dispose();
        }
    }
}
