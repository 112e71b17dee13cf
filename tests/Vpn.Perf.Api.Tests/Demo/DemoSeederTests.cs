using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Demo;
using Vpn.Perf.Api.Features.StateSync;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Wire.TrafficReport;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Demo;

[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class DemoSeederTests
{
    [Fact]
    public async Task RunAsync_Twice_ReusesEverythingAndPublishesTokenAndState()
    {
        string cs = await TestServers.CreateDatabaseAsync(nameof(RunAsync_Twice_ReusesEverythingAndPublishesTokenAndState));
        await using var db = NpgsqlDataSource.Create(cs);
        await new Vpn.Perf.Api.Data.SchemaMigrator(db, Microsoft.Extensions.Logging.Abstractions.NullLogger<Vpn.Perf.Api.Data.SchemaMigrator>.Instance)
            .MigrateAsync(TestServers.SchemaDirectory, CancellationToken.None);
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        var seeder = new DemoSeeder(db, new StatePublisher(redis, Buckets.DefaultCount), TimeProvider.System);
        string envFile = Path.Combine(Directory.CreateTempSubdirectory("demo").FullName, "demo.env");

        await seeder.RunAsync("http://ingest", "http://api", envFile, CancellationToken.None);
        Dictionary<string, string> first = ReadEnv(envFile);
        await seeder.RunAsync("http://ingest", "http://api", envFile, CancellationToken.None);
        Dictionary<string, string> second = ReadEnv(envFile);

        Assert.Equal(first, second);
        Assert.Equal(32, first["NODE_TOKEN"].Length);
        string tokenKey = RedisKeys.NodeToken(SHA256.HashData(Encoding.UTF8.GetBytes(first["NODE_TOKEN"])));
        Assert.Equal(Guid.Parse(first["NODE_ID"]).ToString("N"), (string?)await redis.HashGetAsync(tokenKey, "node_id"));

        var sid = Guid.Parse(first["SUBSCRIPTION_ID"]);
        await using (var link = db.CreateCommand("select link_token from subscriptions where id = $1"))
        {
            link.Parameters.AddWithValue(sid);
            Assert.Equal("http://api/s/" + (string)(await link.ExecuteScalarAsync())!, first["CONFIG_URL"]);
        }
        Assert.DoesNotContain(sid.ToString(), first["CONFIG_URL"], StringComparison.Ordinal);
        string stateKey = RedisKeys.SubscriptionState(sid, Buckets.DefaultCount);
        Assert.Equal("107374182400", (string?)await redis.HashGetAsync(stateKey, SubscriptionState.Fields.MaxTraffic));
        Assert.Equal("P1M", (string?)await redis.HashGetAsync(stateKey, SubscriptionState.Fields.ResetPeriod));

        await using (var count = db.CreateCommand("select (select count(*) from users), (select count(*) from node_tokens where revoked_at is null), (select count(*) from subscription_inbounds)"))
        await using (var r = await count.ExecuteReaderAsync())
        {
            await r.ReadAsync();
            Assert.Equal(2L, r.GetInt64(0));
            Assert.Equal(1L, r.GetInt64(1));
            Assert.Equal(1L, r.GetInt64(2));
        }

        var handler = new CountingHandler();
        byte[] batch = await File.ReadAllBytesAsync(Path.Combine(Path.GetDirectoryName(envFile)!, "demo-batch.msgpack"));
        TrafficBatchParser.Parse(new ReadOnlySequence<byte>(batch), TrafficBatchLimits.Default, ref handler);
        Assert.Equal(2, handler.Reports);
        Assert.Equal(sid, handler.Subscription);
    }

    private static Dictionary<string, string> ReadEnv(string path)
    {
        var d = new Dictionary<string, string>();
        foreach (string line in File.ReadAllLines(path))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0) d[line[..eq]] = line[(eq + 1)..];
        }
        return d;
    }

    private struct CountingHandler : ITrafficBatchHandler
    {
        public int Reports;
        public Guid Subscription;

        public void OnHeader(in BatchHeader header) { }

        public void OnReport(in TrafficReport report)
        {
            Reports++;
            Subscription = report.SubscriptionId;
        }

        public void OnAccessCount(int count) { }

        public void OnAccess(in AccessEvent accessEvent, ReadOnlySpan<byte> note, bool hasNote) { }
    }
}
