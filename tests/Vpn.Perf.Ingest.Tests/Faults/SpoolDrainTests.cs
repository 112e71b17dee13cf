using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Testing;
using Xunit.Abstractions;

namespace Vpn.Perf.Ingest.Tests.Faults;

/// <summary>
/// An instance that never comes back: <c>drain-spool</c> stores its spool (issue 11), through the claims it left and the
/// same ledgers, counting nothing twice in Redis.
/// </summary>
[Trait(RedisTopology.Trait, RedisTopology.Any)]
[Trait(ClickHouseTopology.Trait, ClickHouseTopology.Any)]
public sealed class SpoolDrainTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(90);
    private FaultWorld _world = null!;

    public async Task InitializeAsync() =>
        _world = await FaultWorld.CreateAsync(nameof(SpoolDrainTests), proxyClickHouse: true);

    public async Task DisposeAsync() => await _world.DisposeAsync();

    /// <summary>The drain talks to ClickHouse directly (the dead instance went through the proxy).</summary>
    private Dictionary<string, string> DrainEnvironment =>
        _world.Environment(proxyClickHouse: false);

    /// <summary>
    /// The instance dies mid-insert: its claims stay in Redis for their five-minute lease and the rest of its acknowledged
    /// batches were never flushed. The drain owns those claims (the spool's id), so it stores everything at once.
    /// </summary>
    [Fact]
    public async Task DrainSpool_InstanceDiedHoldingClaims_StoresEveryBatchOnceAndExits()
    {
        ClickHouseProxies proxy = _world.ClickHouseProxy!;
        var work = new Workload(nodes: 3, batchesPerNode: 10, subscriptions: 20, reportsPerBatch: 6, seed: 31);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess dead = await IngestProcess.StartAsync(_world.Environment());
        try
        {
            Task insertHeld = proxy.PauseOnAsync("query=INSERT");
            await work.SendAllAsync(dead, tokens);
            await insertHeld.WaitAsync(Deadline);
            await dead.KillAsync();
            proxy.Block();
            Assert.NotEmpty(await ClaimKeysAsync());

            await DrainAsync(dead.SpoolDirectory);

            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await work.AssertRedisCountersAsync(_world.Redis); // re-applied, and deduplicated
            Assert.Empty(await ClaimKeysAsync()); // released once stored

            string again = await DrainAsync(dead.SpoolDirectory);
            Assert.Contains(": 0 bytes after its checkpoint", again, StringComparison.Ordinal); // the first drain committed it all
        }
        finally
        {
            proxy.Resume();
            dead.WriteLogTo(output);
        }
    }

    /// <summary>Redis lost what the dead instance counted (restarted without persistence): the drain counts it again, once.</summary>
    [Fact]
    public async Task DrainSpool_RedisLostTheCounters_AppliesThemOnceAndStoresEveryBatch()
    {
        var work = new Workload(nodes: 2, batchesPerNode: 8, subscriptions: 12, reportsPerBatch: 5, seed: 32);
        Dictionary<Guid, string> tokens = await _world.SeedAsync(work);
        await using IngestProcess dead = await IngestProcess.StartAsync(_world.Environment(FaultWorld.HoldEverything));
        try
        {
            await work.SendAllAsync(dead, tokens);
            await dead.KillAsync();
            await _world.Redis.FlushAsync();
            await _world.SeedAsync(work); // the Api publishes its state again

            await DrainAsync(dead.SpoolDirectory);

            await work.AssertExactlyOnceAsync(_world.ClickHouse);
            await work.AssertRedisCountersAsync(_world.Redis);
        }
        finally
        {
            dead.WriteLogTo(output);
        }
    }

    [Fact]
    public async Task DrainSpool_NoSpoolArgument_ExitsWithUsage()
    {
        (int exitCode, string log) = await IngestProcess.RunDrainSpoolAsync(_world.Environment(), "", DrainDeadline);
        Assert.Equal(2, exitCode);
        Assert.Contains("usage: dotnet Vpn.Perf.Ingest.dll drain-spool --spool <directory>", log, StringComparison.Ordinal);
    }

    /// <summary>Runs drain-spool on <paramref name="spoolDirectory"/>, which must exit 0; returns what it printed.</summary>
    private async Task<string> DrainAsync(string spoolDirectory)
    {
        (int exitCode, string log) = await IngestProcess.RunDrainSpoolAsync(DrainEnvironment, spoolDirectory, DrainDeadline);
        output.WriteLine("drain-spool output:\n" + log);
        Assert.Equal(0, exitCode);
        return log;
    }

    private Task<List<StackExchange.Redis.RedisKey>> ClaimKeysAsync() => _world.Redis.KeysAsync("*:claim:*");
}
