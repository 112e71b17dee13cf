using System.Globalization;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>
/// A ClickHouse database of one test class (<c>t_ingest_&lt;class&gt;</c>) with the schema applied; dropped on dispose.
/// On one server that is schema/clickhouse; on shards (<see cref="TestServers.ClickHouseShards"/>) the database exists on
/// every shard with schema/clickhouse-shards, and <see cref="Client"/> reads shard 1's Distributed tables, as the Api does.
/// </summary>
internal sealed class TestClickHouse : IAsyncDisposable
{
    private readonly ClickHouseClient[] _admins;

    private TestClickHouse(ClickHouseClient[] admins, ClickHouseClient[] shards, IReadOnlyList<ClickHouseOptions> servers, string name, bool sharded)
    {
        _admins = admins;
        Shards = shards;
        Servers = servers;
        Name = name;
        IsSharded = sharded;
    }

    /// <summary>What analysts and the Api read: the one server, or shard 1's Distributed tables over every shard.</summary>
    public ClickHouseClient Client => Shards[0];

    /// <summary>The database on each shard (one in all on a single server), in shard order: where the Ingest inserts.</summary>
    public IReadOnlyList<ClickHouseClient> Shards { get; }

    /// <summary>The servers of <see cref="Shards"/> (the database not set).</summary>
    public IReadOnlyList<ClickHouseOptions> Servers { get; }

    public string Name { get; }

    public bool IsSharded { get; }

    /// <summary>The tables the Ingest inserts into and whose ledgers it reads, on each of <see cref="Shards"/>.</summary>
    public TrafficTableSet Tables => IsSharded ? TrafficTableSet.ShardLocal : TrafficTableSet.SingleServer;

    public static async Task<TestClickHouse> CreateAsync(string owner)
    {
        string name = "t_ingest_" + owner.ToLowerInvariant();
        IReadOnlyList<ClickHouseOptions>? shards = TestServers.ClickHouseShards;
        IReadOnlyList<ClickHouseOptions> servers = shards ?? [TestServers.ClickHouseBase];
        var admins = new ClickHouseClient[servers.Count];
        var clients = new ClickHouseClient[servers.Count];
        for (int i = 0; i < servers.Count; i++)
        {
            admins[i] = new ClickHouseClient(servers[i] with { Database = ClickHouseOptions.DefaultDatabase });
            clients[i] = new ClickHouseClient(servers[i] with { Database = name });
        }
        var db = new TestClickHouse(admins, clients, servers, name, shards is not null);
        try
        {
            foreach (ClickHouseClient admin in admins)
            {
                await admin.ExecuteAsync("DROP DATABASE IF EXISTS " + name, null, CancellationToken.None);
                await admin.ExecuteAsync("CREATE DATABASE " + name, null, CancellationToken.None);
            }
        }
        catch (ClickHouseUnavailableException ex)
        {
            db.DisposeClients();
            throw new InvalidOperationException(
                $"ClickHouse is unreachable ({ex.Message}). Start the test servers with `{TestServers.StartCommand}`, " +
                "or set ConnectionStrings__ClickHouse (and ConnectionStrings__ClickHouseShards) to running servers.", ex);
        }
        string schema = Path.Combine(TestServers.RepoRoot, "schema", db.IsSharded ? "clickhouse-shards" : "clickhouse");
        foreach (ClickHouseClient client in clients) await ClickHouseSchema.ApplyAsync(client, schema, CancellationToken.None);
        return db;
    }

    /// <summary>
    /// The Ingest's ClickHouse settings for this database: the one server, or every shard (and shard 1 for reads), each
    /// through the proxy port at the same index of <paramref name="ports"/> when one is given there.
    /// </summary>
    public IEnumerable<KeyValuePair<string, string>> IngestSettings(IReadOnlyList<int>? ports = null)
    {
        var urls = new string[Servers.Count];
        for (int i = 0; i < urls.Length; i++) urls[i] = TestServers.ClickHouseFor(Servers[i], Name, ports is null ? null : ports[i]);
        yield return new("ConnectionStrings__ClickHouse", urls[0]);
        if (IsSharded) yield return new("ConnectionStrings__ClickHouseShards", string.Join(';', urls));
    }

    public async Task<long> LongAsync(string sql, ClickHouseParameters? p = null) => await LongAsync(Client, sql, p);

    /// <summary>A query's whole answer as text (TabSeparated unless it names a FORMAT), without the last line break.</summary>
    public async Task<string> TextAsync(string sql, ClickHouseParameters? p = null) =>
        (await Client.QueryTextAsync(sql, p, CancellationToken.None)).TrimEnd('\n');

    public static async Task<long> LongAsync(ClickHouseClient client, string sql, ClickHouseParameters? p = null)
    {
        string text = (await client.QueryTextAsync(sql, p, CancellationToken.None)).Trim();
        return text.Length == 0 ? 0 : long.Parse(text, CultureInfo.InvariantCulture);
    }

    /// <summary>Traffic rows per (node, seq): count, sum(bytes_up), sum(bytes_down).</summary>
    public async Task<Dictionary<(Guid Node, ulong Seq), (long Rows, long Up, long Down)>> TrafficByBatchAsync()
    {
        List<string[]> rows = await Client.QueryRowsAsync(
            "SELECT node_id, seq, count(), sum(bytes_up), sum(bytes_down) FROM traffic GROUP BY node_id, seq", null, CancellationToken.None);
        var result = new Dictionary<(Guid, ulong), (long, long, long)>();
        foreach (string[] r in rows)
        {
            result[(Guid.Parse(r[0]), ulong.Parse(r[1], CultureInfo.InvariantCulture))] =
                (long.Parse(r[2], CultureInfo.InvariantCulture), long.Parse(r[3], CultureInfo.InvariantCulture), long.Parse(r[4], CultureInfo.InvariantCulture));
        }
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (ClickHouseClient admin in _admins) await admin.ExecuteAsync("DROP DATABASE IF EXISTS " + Name, null, CancellationToken.None);
        }
        finally
        {
            DisposeClients();
        }
    }

    private void DisposeClients()
    {
        foreach (ClickHouseClient client in Shards) client.Dispose();
        foreach (ClickHouseClient admin in _admins) admin.Dispose();
    }
}
