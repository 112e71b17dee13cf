using System.Globalization;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Ingest.Tests.Faults;

/// <summary>
/// The servers of one fault test class: its Redis key prefix, its ClickHouse database, and optional fault proxies in
/// front of either (of ClickHouse: one per shard), from which the Ingest environment is derived.
/// </summary>
internal sealed class FaultWorld : IAsyncDisposable
{
    private FaultWorld(TestRedis redis, TestClickHouse clickHouse, TcpFaultProxy? redisProxy, ClickHouseProxies? clickHouseProxy)
    {
        Redis = redis;
        ClickHouse = clickHouse;
        RedisProxy = redisProxy;
        ClickHouseProxy = clickHouseProxy;
    }

    public TestRedis Redis { get; }

    public TestClickHouse ClickHouse { get; }

    public TcpFaultProxy? RedisProxy { get; }

    /// <summary>In front of ClickHouse: of every shard at once, or of one (<see cref="ClickHouseProxies.this"/>).</summary>
    public ClickHouseProxies? ClickHouseProxy { get; }

    public static async Task<FaultWorld> CreateAsync(string owner, bool proxyRedis = false, bool proxyClickHouse = false)
    {
        TestRedis redis = await TestRedis.OpenAsync(owner, IngestFixture.BucketCount);
        TestClickHouse clickHouse = await TestClickHouse.CreateAsync(owner);
        var r = TestServers.RedisBase;
        return new FaultWorld(redis, clickHouse,
            proxyRedis ? new TcpFaultProxy(r.Host, r.Port) : null,
            proxyClickHouse ? new ClickHouseProxies(clickHouse.Servers) : null);
    }

    /// <summary>Settings under which nothing reaches ClickHouse: the flush interval is an hour and the thresholds unreachable.</summary>
    public static (string, string)[] HoldEverything =>
        [("Ingest__FlushInterval", "01:00:00"), ("Ingest__FlushRows", "100000000"), ("Ingest__FlushBytes", "1000000000")];

    /// <summary>The Ingest environment: through the proxies where there are any, plus <paramref name="settings"/>.</summary>
    public Dictionary<string, string> Environment(params (string Key, string Value)[] settings) => Environment(proxyClickHouse: true, settings);

    /// <summary>The Ingest environment, past the ClickHouse proxies unless <paramref name="proxyClickHouse"/>.</summary>
    public Dictionary<string, string> Environment(bool proxyClickHouse, params (string Key, string Value)[] settings)
    {
        var env = new Dictionary<string, string>
        {
            ["Ingest__BucketCount"] = IngestFixture.BucketCount.ToString(CultureInfo.InvariantCulture),
            ["Ingest__FlushInterval"] = "00:00:00.200",
            ["Ingest__ChangeFeedInterval"] = "00:00:00.200",
        };
        foreach ((string key, string value) in ClickHouse.IngestSettings(proxyClickHouse ? ClickHouseProxy?.Ports : null)) env[key] = value;
        foreach ((string key, string value) in Redis.IngestSettings(RedisProxy?.Port)) env[key] = value;
        foreach ((string key, string value) in settings) env[key] = value;
        return env;
    }

    /// <summary>Seeds every workload's node tokens and links each of its subscriptions to each of its nodes.</summary>
    public async Task<Dictionary<Guid, string>> SeedAsync(params Workload[] works)
    {
        var tokens = new Dictionary<Guid, string>();
        foreach (Workload work in works)
        {
            foreach (Guid node in work.Nodes)
            {
                tokens[node] = await Redis.SeedNodeTokenAsync(node);
                await Redis.LinkAsync(node, work.Subscriptions);
            }
        }
        return tokens;
    }

    public async ValueTask DisposeAsync()
    {
        if (RedisProxy is not null) await RedisProxy.DisposeAsync();
        if (ClickHouseProxy is not null) await ClickHouseProxy.DisposeAsync();
        await ClickHouse.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
