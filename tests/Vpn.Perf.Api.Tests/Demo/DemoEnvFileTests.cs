using Npgsql;
using StackExchange.Redis;
using Vpn.Perf.Api.Demo;
using Vpn.Perf.Api.Features.StateSync;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Api.Tests.Demo;

/// <summary>Issue 10 §3: <c>.data/demo.env</c> holds a node token, so only its owner may read it.</summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class DemoEnvFileTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Issue10_RunAsync_WritesEnvFileOwnerOnly_AlsoOverAnOlderReadableOne()
    {
        string cs = await TestServers.CreateDatabaseAsync(nameof(Issue10_RunAsync_WritesEnvFileOwnerOnly_AlsoOverAnOlderReadableOne));
        await using var db = NpgsqlDataSource.Create(cs);
        await new Vpn.Perf.Api.Data.SchemaMigrator(db, Microsoft.Extensions.Logging.Abstractions.NullLogger<Vpn.Perf.Api.Data.SchemaMigrator>.Instance)
            .MigrateAsync(TestServers.SchemaDirectory, CancellationToken.None);
        await using ConnectionMultiplexer connection = await TestServers.ConnectRedisAsync();
        IDatabase redis = connection.GetDatabase();
        var seeder = new DemoSeeder(db, new StatePublisher(redis, Buckets.DefaultCount), TimeProvider.System);
        string dir = Directory.CreateTempSubdirectory("demo").FullName;
        const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        string fresh = Path.Combine(dir, "demo.env");
        await seeder.RunAsync("http://ingest", "http://api", fresh, CancellationToken.None);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(fresh));
        Assert.StartsWith("INGEST_URL=http://ingest", await File.ReadAllTextAsync(fresh), StringComparison.Ordinal);

        string older = Path.Combine(dir, "older.env");
        await File.WriteAllTextAsync(older, "left by an older run\n");
        File.SetUnixFileMode(older, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await seeder.RunAsync("http://ingest", "http://api", older, CancellationToken.None);
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(older));
        Assert.DoesNotContain("older run", await File.ReadAllTextAsync(older), StringComparison.Ordinal);
    }
}
