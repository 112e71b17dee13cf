using Vpn.Perf.Shared.ClickHouse;

namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// Where the sink writes: one server (<c>ConnectionStrings:ClickHouse</c>, tables of schema/clickhouse), or the shards
/// <c>ConnectionStrings:ClickHouseShards</c> lists, in order (their local tables, schema/clickhouse-shards), each row to
/// the shard <see cref="ClickHouseShards.Of"/> picks for its subscription. Every shard's inserts and ledger reads go to
/// that shard alone: only its own ledger says what landed on it (docs/ingest.md, "ClickHouse shards").
/// </summary>
internal sealed class ClickHouseTargets : IDisposable
{
    private ClickHouseTargets(ClickHouseClient[] shards, TrafficTableSet tables)
    {
        Shards = shards;
        Tables = tables;
        TimeSpan longest = TimeSpan.Zero;
        foreach (ClickHouseClient shard in shards)
        {
            if (shard.Options.RequestTimeout > longest) longest = shard.Options.RequestTimeout;
        }
        RequestTimeout = longest;
    }

    /// <summary>One client per shard, in shard order; one in all on a single server.</summary>
    public IReadOnlyList<ClickHouseClient> Shards { get; }

    public TrafficTableSet Tables { get; }

    /// <summary>The longest request timeout of the shards: a flush's requests go to every shard at once, so this bounds each step.</summary>
    public TimeSpan RequestTimeout { get; }

    /// <summary>
    /// The shards of <paramref name="shardsConnection"/> when it is set (<see cref="ClickHouseShards.Parse"/>), else the one
    /// server of <paramref name="singleConnection"/>.
    /// </summary>
    public static ClickHouseTargets Create(string? singleConnection, string? shardsConnection)
    {
        if (!string.IsNullOrWhiteSpace(shardsConnection))
        {
            IReadOnlyList<ClickHouseOptions> options = ClickHouseShards.Parse(shardsConnection);
            var clients = new ClickHouseClient[options.Count];
            for (int i = 0; i < clients.Length; i++) clients[i] = new ClickHouseClient(options[i]);
            return new ClickHouseTargets(clients, TrafficTableSet.ShardLocal);
        }
        ArgumentException.ThrowIfNullOrWhiteSpace(singleConnection); // IngestServices.ReadSettings requires one of the two
        return new ClickHouseTargets([new ClickHouseClient(ClickHouseOptions.Parse(singleConnection))], TrafficTableSet.SingleServer);
    }

    public void Dispose()
    {
        foreach (ClickHouseClient shard in Shards) shard.Dispose();
    }
}
