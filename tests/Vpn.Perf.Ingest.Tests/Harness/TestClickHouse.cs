using System.Globalization;
using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>A ClickHouse database of one test class (<c>t_ingest_&lt;class&gt;</c>) with schema/clickhouse applied; dropped on dispose.</summary>
internal sealed class TestClickHouse : IAsyncDisposable
{
    private readonly ClickHouseClient _admin;

    private TestClickHouse(ClickHouseClient admin, ClickHouseClient client, string name)
    {
        _admin = admin;
        Client = client;
        Name = name;
    }

    public ClickHouseClient Client { get; }

    public string Name { get; }

    public static async Task<TestClickHouse> CreateAsync(string owner)
    {
        string name = "t_ingest_" + owner.ToLowerInvariant();
        ClickHouseOptions options = TestServers.ClickHouseBase;
        var admin = new ClickHouseClient(options with { Database = ClickHouseOptions.DefaultDatabase });
        try
        {
            await admin.ExecuteAsync("DROP DATABASE IF EXISTS " + name, null, CancellationToken.None);
            await admin.ExecuteAsync("CREATE DATABASE " + name, null, CancellationToken.None);
        }
        catch (ClickHouseUnavailableException ex)
        {
            admin.Dispose();
            throw new InvalidOperationException(
                $"ClickHouse is unreachable at {options.Endpoint} ({ex.Message}). Start the test servers with `{TestServers.StartCommand}`, " +
                "or set ConnectionStrings__ClickHouse to a running server.", ex);
        }
        var db = new TestClickHouse(admin, new ClickHouseClient(options with { Database = name }), name);
        await ClickHouseSchema.ApplyAsync(db.Client, Path.Combine(TestServers.RepoRoot, "schema", "clickhouse"), CancellationToken.None);
        return db;
    }

    public async Task<long> LongAsync(string sql, ClickHouseParameters? p = null)
    {
        string text = (await Client.QueryTextAsync(sql, p, CancellationToken.None)).Trim();
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
        Client.Dispose();
        try
        {
            await _admin.ExecuteAsync("DROP DATABASE IF EXISTS " + Name, null, CancellationToken.None);
        }
        finally
        {
            _admin.Dispose();
        }
    }
}
