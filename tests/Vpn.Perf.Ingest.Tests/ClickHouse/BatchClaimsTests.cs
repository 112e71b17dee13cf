using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Vpn.Perf.Ingest.ClickHouse;
using Vpn.Perf.Ingest.Spool;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Ingest.Tests.Spool;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Ingest.Tests.ClickHouse;

/// <summary>
/// <see cref="BatchClaims"/> against the real Redis (its own database): two spools stand for two Ingest instances.
/// The claims are only read and written here; the sinks that use them are tested in Faults/MultiInstanceTests.
/// </summary>
#pragma warning disable CA1001 // xunit disposes through IAsyncLifetime.DisposeAsync
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class BatchClaimsTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const int Buckets = 8;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);
    private readonly SpoolTestDirectory _dir = new();
    private readonly ClickHouseTargets _clickHouse = ClickHouseTargets.Create("http://127.0.0.1:9/unused", null); // only its request timeout is read
    private TestRedis _redis = null!;

    public async Task InitializeAsync() => _redis = await TestRedis.OpenAsync(nameof(BatchClaimsTests), Buckets);

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _clickHouse.Dispose();
        _dir.Dispose();
    }

    private DurableSpool OpenSpool(string name) =>
        DurableSpool.Open(new SpoolOptions { Directory = _dir.Sub(name) }, NullLogger<DurableSpool>.Instance, TimeProvider.System);

    private BatchClaims Claims(DurableSpool spool, TimeSpan? lease = null) =>
        new(_redis.Db, spool, _clickHouse, new IngestOptions { BucketCount = Buckets, ClaimLease = lease ?? Lease }, TimeProvider.System);

    /// <summary>Batches of several nodes, so that the claims span several buckets (one script call each).</summary>
    private static List<(Guid Node, ulong Seq)> Batches(int nodes, int seqs)
    {
        var batches = new List<(Guid, ulong)>();
        for (int n = 0; n < nodes; n++)
        {
            Guid node = Guid.NewGuid();
            for (ulong seq = 1; seq <= (ulong)seqs; seq++) batches.Add((node, seq));
        }
        return batches;
    }

    private Task<RedisValue> HolderAsync((Guid Node, ulong Seq) batch) => _redis.Db.StringGetAsync(RedisKeys.BatchClaim(batch.Node, batch.Seq, Buckets));

    [Fact]
    public async Task ClaimAsync_FreeBatches_TakesEveryOneWithTheLease()
    {
        await using DurableSpool spool = OpenSpool("a");
        BatchClaims claims = Claims(spool);
        List<(Guid Node, ulong Seq)> batches = Batches(nodes: 12, seqs: 3);

        Assert.Empty(await claims.ClaimAsync(batches, CancellationToken.None));

        foreach ((Guid Node, ulong Seq) batch in batches)
        {
            Assert.Equal(spool.Id.ToString("N"), (string?)await HolderAsync(batch));
            TimeSpan? ttl = await _redis.Db.KeyTimeToLiveAsync(RedisKeys.BatchClaim(batch.Node, batch.Seq, Buckets));
            Assert.True(ttl > TimeSpan.Zero && ttl <= Lease, $"time to live {ttl}");
        }
    }

    [Fact]
    public async Task ClaimAsync_SomeHeldByAnotherInstance_ReturnsThemWithItsIdAndLeavesTheirClaims()
    {
        await using DurableSpool a = OpenSpool("a"), b = OpenSpool("b");
        List<(Guid Node, ulong Seq)> batches = Batches(nodes: 6, seqs: 4);
        List<(Guid Node, ulong Seq)> first = batches.Where((_, i) => i % 3 == 0).ToList();
        Assert.Empty(await Claims(a).ClaimAsync(first, CancellationToken.None));

        Dictionary<(Guid Node, ulong Seq), string> held = await Claims(b).ClaimAsync(batches, CancellationToken.None);

        Assert.Equal(first.OrderBy(k => k).ToList(), held.Keys.OrderBy(k => k).ToList());
        Assert.All(held.Values, owner => Assert.Equal(a.Id.ToString("N"), owner));
        foreach ((Guid Node, ulong Seq) batch in batches)
        {
            Guid expected = first.Contains(batch) ? a.Id : b.Id;
            Assert.Equal(expected.ToString("N"), (string?)await HolderAsync(batch));
        }
    }

    [Fact]
    public async Task ClaimAsync_OwnClaimsAfterRestart_RenewsThem()
    {
        List<(Guid Node, ulong Seq)> batches = Batches(nodes: 3, seqs: 2);
        await using (DurableSpool before = OpenSpool("a"))
        {
            Assert.Empty(await Claims(before).ClaimAsync(batches, CancellationToken.None));
        }
        RedisKey key = RedisKeys.BatchClaim(batches[0].Node, batches[0].Seq, Buckets);
        await _redis.Db.KeyExpireAsync(key, TimeSpan.FromSeconds(30)); // most of the lease gone

        await using DurableSpool after = OpenSpool("a"); // the same directory: the same instance, restarted
        Assert.Empty(await Claims(after).ClaimAsync(batches, CancellationToken.None));

        Assert.True(await _redis.Db.KeyTimeToLiveAsync(key) > TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task ReleaseAsync_MixedOwners_DeletesOnlyItsOwnClaims()
    {
        await using DurableSpool a = OpenSpool("a"), b = OpenSpool("b");
        List<(Guid Node, ulong Seq)> mine = Batches(nodes: 4, seqs: 2), theirs = Batches(nodes: 4, seqs: 2);
        await Claims(a).ClaimAsync(mine, CancellationToken.None);
        await Claims(b).ClaimAsync(theirs, CancellationToken.None);

        await Claims(a).ReleaseAsync([.. mine, .. theirs], CancellationToken.None);

        foreach ((Guid Node, ulong Seq) batch in mine) Assert.True((await HolderAsync(batch)).IsNull);
        foreach ((Guid Node, ulong Seq) batch in theirs) Assert.Equal(b.Id.ToString("N"), (string?)await HolderAsync(batch));
    }

    [Fact]
    public async Task Constructor_LeaseUnderSixRequestTimeouts_ThrowsNamingTheSetting()
    {
        await using DurableSpool spool = OpenSpool("a");
        TimeSpan tooShort = (_clickHouse.RequestTimeout * BatchClaims.MinLeaseTimeouts) - TimeSpan.FromSeconds(1);

        var ex = Assert.Throws<InvalidOperationException>(() => Claims(spool, tooShort));

        Assert.Contains("Ingest:ClaimLease", ex.Message, StringComparison.Ordinal);
    }
}
