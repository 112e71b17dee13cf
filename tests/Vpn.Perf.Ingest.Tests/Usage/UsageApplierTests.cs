using System.Buffers;
using System.Text;
using StackExchange.Redis;
using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Ingest.Tests.Harness;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Contracts;
using Vpn.Perf.Shared.Redis;
using Vpn.Perf.Shared.Wire.TrafficReport;
using Vpn.Perf.Testing;

namespace Vpn.Perf.Ingest.Tests.Usage;

/// <summary>
/// <see cref="UsageApplier"/> in process against the real Redis (its own key prefix), with explicit clock values, so
/// reset-period boundaries can be crossed without waiting for them.
/// </summary>
#pragma warning disable CA1001 // xunit disposes through IAsyncLifetime.DisposeAsync
[Trait(RedisTopology.Trait, RedisTopology.Any)]
public sealed class UsageApplierTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const int Buckets = 8;
    private static readonly long Anchor = DateTimeOffset.Parse("2024-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
    private const long Hour = 3_600_000L;

    private TestRedis _redis = null!;
    private BatchDecider _decider = null!;
    private UsageApplier _applier = null!;

    public async Task InitializeAsync()
    {
        _redis = await TestRedis.OpenAsync(nameof(UsageApplierTests), Buckets);
        var options = new IngestOptions { BucketCount = Buckets };
        _decider = new BatchDecider(new SubscriptionStateCache(_redis.Db, options));
        _applier = new UsageApplier(_redis.Db, options);
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task LoadAsync_SubscriptionMissedTwiceInABatchAndByAnotherRequest_ReadOnce()
    {
        var sid = Guid.NewGuid();
        await _redis.SeedSubscriptionAsync(sid, maxTraffic: 500);
        await using ProxiedRedis held = await ProxiedRedis.OpenAsync(_redis.KeyPrefix);
        var cache = new SubscriptionStateCache(held.Db, new IngestOptions { BucketCount = Buckets });
        await using RedisMonitor monitor = await RedisMonitor.StartAsync(_redis.ServerOf(RedisKeys.SubscriptionState(sid, Buckets)));

        // The proxy holds the first read, so the second request certainly misses while it is under way (without the hold,
        // the first read could finish before the second call, which then rightly reads again).
        held.Proxy.Pause();
        Task<SubscriptionState[]> first = cache.LoadAsync([sid, sid], 0, CancellationToken.None);
        Task<SubscriptionState[]> second = cache.LoadAsync([sid], 0, CancellationToken.None);
        held.Proxy.Resume();
        SubscriptionState[] a = await first, b = await second;

        Assert.Equal([500L, 500L, 500L], [a[0].MaxTraffic!.Value, a[1].MaxTraffic!.Value, b[0].MaxTraffic!.Value]);
        Assert.Equal(1, await monitor.CountAsync("HMGET", sid.ToString("N")));
        Assert.True(cache.TryGet(sid, 1, out SubscriptionTable.Entry cached));
        Assert.Equal(500L, cached.State.MaxTraffic);
        Assert.Equal(RedisKeys.Usage(sid, 0, Buckets), Encoding.UTF8.GetString(cached.UsageKey!));
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task LoadAsync_SubscriptionChangedWhileItsReadIsUnderWay_IsNotKeptInTheCache()
    {
        var sid = Guid.NewGuid();
        await _redis.SeedSubscriptionAsync(sid, maxTraffic: 500);
        await using ProxiedRedis held = await ProxiedRedis.OpenAsync(_redis.KeyPrefix);
        // A max age no test run outlasts: only the invalidation can end the entry.
        var cache = new SubscriptionStateCache(held.Db, new IngestOptions { BucketCount = Buckets, StateCacheMaxAge = TimeSpan.FromHours(1) });
        await using RedisMonitor monitor = await RedisMonitor.StartAsync(_redis.ServerOf(RedisKeys.SubscriptionState(sid, Buckets)));

        // Redis reads the state before the Api changes it; the answer arrives after the change's invalidation.
        held.Proxy.PauseReplies();
        Task<SubscriptionState[]> read = cache.LoadAsync([sid], 0, CancellationToken.None);
        int reads = 0;
        await Poll.UntilAsync(async () => (reads += await monitor.CountAsync("HMGET", sid.ToString("N"))) > 0,
            TimeSpan.FromSeconds(30), "the state's read to reach Redis", () => Task.FromResult(reads.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await _redis.SeedSubscriptionAsync(sid, maxTraffic: 100);
        cache.Invalidate(sid);
        held.Proxy.Resume();

        Assert.Equal(500L, (await read)[0].MaxTraffic); // read before the change: that request raced it
        Assert.False(cache.TryGet(sid, 1, out _));
        Assert.Equal(100L, (await cache.LoadAsync([sid], 1, CancellationToken.None))[0].MaxTraffic);
    }

    [Fact]
    public async Task LoadAsync_SubscriptionsSharingAScope_ReadItOnceAndKeepItAcrossInvalidation()
    {
        Guid node = Guid.NewGuid(), inbound = Guid.NewGuid();
        Guid[] sids = [Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid()];
        foreach (Guid sid in sids) await _redis.SeedSubscriptionAsync(sid, maxTraffic: 500);
        await _redis.LinkAsync(node, sids, inbound);
        string scopeKey = RedisKeys.Scope(SubscriptionScope.Of([new InboundLink(inbound, node)]).Id);
        var cache = new SubscriptionStateCache(_redis.Db, new IngestOptions { BucketCount = Buckets });
        await using RedisMonitor monitor = await RedisMonitor.StartAsync(_redis.ServerOf(scopeKey));

        SubscriptionState[] first = await cache.LoadAsync(sids, 0, CancellationToken.None);
        cache.InvalidateAll();
        SubscriptionState[] again = await cache.LoadAsync(sids, 0, CancellationToken.None);

        foreach (SubscriptionState state in (SubscriptionState[])[.. first, .. again])
        {
            Assert.True(state.Scope.Allows(inbound, node));
            Assert.False(state.Scope.Allows(inbound, Guid.NewGuid()));
        }
        Assert.Same(first[0].Scope, first[2].Scope);
        Assert.Equal(1, await monitor.CountAsync("GET", scopeKey));
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task LoadAsync_TwoLoadsReadingOneScopeAtOnce_GiveTheirStatesOneInstance()
    {
        // The decide stage's verdicts know a scope by identity (ScopeVerdicts): a second copy of one scope is a second
        // set of verdicts and a second link table for every batch to miss in the CPU's cache.
        Guid node = Guid.NewGuid(), inbound = Guid.NewGuid(), first = Guid.NewGuid(), second = Guid.NewGuid();
        foreach (Guid sid in (Guid[])[first, second]) await _redis.SeedSubscriptionAsync(sid);
        await _redis.LinkAsync(node, [first, second], inbound);
        string scopeId = SubscriptionScope.Of([new InboundLink(inbound, node)]).Id;
        await using ProxiedRedis held = await ProxiedRedis.OpenAsync(_redis.KeyPrefix);
        var cache = new SubscriptionStateCache(held.Db, new IngestOptions { BucketCount = Buckets });
        await using RedisMonitor monitor = await RedisMonitor.StartAsync(_redis.ServerOf(RedisKeys.SubscriptionState(first, Buckets)));

        // Both state reads answered together, and neither scope read let through until both are sent: each load has
        // found the scope unknown and reads it itself.
        held.Proxy.PauseReplies();
        Task<SubscriptionState[]> a = cache.LoadAsync([first], 0, CancellationToken.None);
        Task<SubscriptionState[]> b = cache.LoadAsync([second], 0, CancellationToken.None);
        int reads = 0;
        await Poll.UntilAsync(async () => (reads += await monitor.CountAsync("HMGET", _redis.KeyPrefix)) >= 2,
            TimeSpan.FromSeconds(30), "both state reads to reach Redis", () => Task.FromResult(reads.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Task scopeReadHeld = held.Proxy.PauseOnAsync(scopeId);
        held.Proxy.Resume();
        await scopeReadHeld;
        await Poll.UntilAsync(() => Task.FromResult(held.Connection.GetCounters().Interactive.SentItemsAwaitingResponse >= 2),
            TimeSpan.FromSeconds(30), "both scope reads to be sent",
            () => Task.FromResult(held.Connection.GetCounters().Interactive.SentItemsAwaitingResponse.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        held.Proxy.Resume();

        SubscriptionState[] fromA = await a, fromB = await b;
        Assert.True(fromA[0].Scope.Allows(inbound, node));
        Assert.Same(fromA[0].Scope, fromB[0].Scope);
    }

    [Fact]
    public async Task LoadAsync_ScopeKeyMissingOrNotTheTextItsIdNames_LinkedNowhereUntilRepaired()
    {
        Guid node = Guid.NewGuid(), inbound = Guid.NewGuid(), sid = Guid.NewGuid();
        await _redis.SeedSubscriptionAsync(sid);
        await _redis.LinkAsync(node, [sid], inbound);
        SubscriptionScope scope = SubscriptionScope.Of([new InboundLink(inbound, node)]);
        var cache = new SubscriptionStateCache(_redis.Db, new IngestOptions { BucketCount = Buckets });

        await _redis.Db.KeyDeleteAsync(RedisKeys.Scope(scope.Id));
        Assert.Equal(0, (await cache.LoadAsync([sid], 0, CancellationToken.None))[0].Scope.Count);

        // Another node's link under this id: a hand edit or a bug, never what the Api writes for it.
        string forged = SubscriptionScope.Of([new InboundLink(inbound, Guid.NewGuid())]).Format();
        await _redis.Db.StringSetAsync(RedisKeys.Scope(scope.Id), forged);
        cache.Invalidate(sid);
        Assert.Equal(0, (await cache.LoadAsync([sid], 0, CancellationToken.None))[0].Scope.Count);

        await _redis.Db.StringSetAsync(RedisKeys.Scope(scope.Id), scope.Format());
        cache.Invalidate(sid);
        Assert.True((await cache.LoadAsync([sid], 0, CancellationToken.None))[0].Scope.Allows(inbound, node));
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task DisposeAsync_WhileARoundIsInFlight_WaitsForItAndCompletesItsBatch()
    {
        Guid sid = Guid.NewGuid(), node = Guid.NewGuid();
        await _redis.SeedSubscriptionAsync(sid);
        await using ProxiedRedis held = await ProxiedRedis.OpenAsync(_redis.KeyPrefix);
        var applier = new UsageApplier(held.Db, new IngestOptions { BucketCount = Buckets });
        // The first batch loads the state and the script, so the second goes out at once as one EVALSHA.
        await ApplyBodyAsync(TestBatch.Build(1, [TestBatch.Report(sid, 10, 0)]), node, 0, [], applier);
        await using RedisMonitor monitor = await RedisMonitor.StartAsync(_redis.ServerOf(RedisKeys.Events(Shared.Contracts.Buckets.Of(sid, Buckets))));

        // Redis runs the round's call; its answer is held until the applier is being disposed.
        held.Proxy.PauseReplies();
        Task<UsageOutcome> apply = ApplyBodyAsync(TestBatch.Build(2, [TestBatch.Report(sid, 5, 0)]), node, 0, [], applier);
        int calls = 0;
        await Poll.UntilAsync(async () => (calls += await monitor.CountAsync("EVALSHA", node.ToString("N"))) > 0,
            TimeSpan.FromSeconds(30), "the round's call to reach Redis", () => Task.FromResult(calls.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        ValueTask disposing = applier.DisposeAsync();
        held.Proxy.Resume();

        // Bounded only so that the hang this test guards against fails it instead of the suite.
        UsageOutcome outcome = await apply.WaitAsync(TimeSpan.FromMinutes(1));
        await disposing;
        Assert.False(outcome.Duplicate);
        Assert.Equal(15, await _redis.UsedAsync(sid));
    }

    [Fact]
    public async Task TryGet_StateOlderThanStateCacheMaxAge_MissesSoItIsReadAgain()
    {
        var sid = Guid.NewGuid();
        await _redis.SeedSubscriptionAsync(sid, maxTraffic: 500);
        var cache = new SubscriptionStateCache(_redis.Db, new IngestOptions { BucketCount = Buckets, StateCacheMaxAge = TimeSpan.FromSeconds(2) });

        await cache.LoadAsync([sid], nowMs: 10_000, CancellationToken.None);

        Assert.True(cache.TryGet(sid, 11_999, out _));
        Assert.False(cache.TryGet(sid, 12_000, out _));
        Assert.False(cache.TryGetScope(sid, 12_000, out _));
    }

    [Fact]
    public async Task ApplyAsync_AcrossResetBoundary_NewPeriodStartsAtZeroAndOldKeepsValue()
    {
        var node = Guid.NewGuid();
        var sid = Guid.NewGuid();
        await _redis.SeedSubscriptionAsync(sid, maxTraffic: 120, resetPeriod: "PT1H", resetAnchorMs: Anchor);
        long oldStart = Anchor + (2 * Hour), newStart = Anchor + (3 * Hour);
        long beforeBoundary = newStart - 1, atBoundary = newStart, after = newStart + 1_000;
        Assert.Equal(oldStart, ResetPeriod.Parse("PT1H").PeriodStart(Anchor, beforeBoundary));
        Assert.Equal(newStart, ResetPeriod.Parse("PT1H").PeriodStart(Anchor, atBoundary));

        Assert.Empty(await ApplyAsync(node, 1, beforeBoundary - 10_000, (sid, 100)));
        Assert.Equal([sid], await ApplyAsync(node, 2, beforeBoundary, (sid, 30))); // 130 >= 120 in the old period
        Assert.Equal(130, await _redis.UsedAsync(sid, oldStart));

        Assert.Empty(await ApplyAsync(node, 3, atBoundary, (sid, 50)));              // new period: 50 < 120
        Assert.Equal(50, await _redis.UsedAsync(sid, newStart));
        Assert.Equal(130, await _redis.UsedAsync(sid, oldStart));                   // the old period keeps its value

        Assert.Equal([sid], await ApplyAsync(node, 4, after, (sid, 70)));            // 120 >= 120 crosses again
        Assert.Equal(120, await _redis.UsedAsync(sid, newStart));
        // Read as the Api's consumer reads them (the contract both sides share).
        OverLimitEvent[] events = [.. (await _redis.Db.StreamRangeAsync(RedisKeys.Events(Shared.Contracts.Buckets.Of(sid, Buckets))))
            .Select(e => OverLimitEvent.TryParse(e, out OverLimitEvent parsed) ? parsed : throw new InvalidOperationException($"unreadable event {e.Id}"))
            .Where(e => e.SubscriptionId == sid)];
        Assert.Equal(
            [new OverLimitEvent(sid, oldStart, 130, 120, node, beforeBoundary), new OverLimitEvent(sid, newStart, 120, 120, node, after)],
            events); // one crossing per period
    }

    [Fact]
    public async Task ApplyAsync_SameSeqAgain_IsDuplicateAndAddsNothing()
    {
        var node = Guid.NewGuid();
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid();
        long now = Anchor;
        UsageOutcome first = await ApplyOutcomeAsync(node, 5, now, (a, 10), (b, 20), (c, 30));
        UsageOutcome again = await ApplyOutcomeAsync(node, 5, now, (a, 10), (b, 20), (c, 30));
        UsageOutcome older = await ApplyOutcomeAsync(node, 4, now, (a, 1));

        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.True(older.Duplicate);
        Assert.Equal(10, await _redis.UsedAsync(a));
        Assert.Equal(20, await _redis.UsedAsync(b));
        Assert.Equal(30, await _redis.UsedAsync(c));
    }

    [Fact]
    public async Task ApplyAsync_SeqAbove2Pow53_ComparedExactly()
    {
        var node = Guid.NewGuid();
        var sid = Guid.NewGuid();
        const ulong Big = (1UL << 53) + 1; // a double cannot tell it from 2^53
        Assert.False((await ApplyOutcomeAsync(node, Big - 1, Anchor, (sid, 1))).Duplicate);
        Assert.False((await ApplyOutcomeAsync(node, Big, Anchor, (sid, 1))).Duplicate);
        Assert.False((await ApplyOutcomeAsync(node, ulong.MaxValue, Anchor, (sid, 1))).Duplicate);
        Assert.True((await ApplyOutcomeAsync(node, Big, Anchor, (sid, 1))).Duplicate);
        Assert.Equal(3, await _redis.UsedAsync(sid));
    }

    [Fact]
    public async Task ApplyAsync_ConcurrentBatchesAndTheirRetries_CountEachBatchOnceAndCrossTheLimitOnce()
    {
        // Forty nodes each send one batch that counts twice for the same limited subscription (two inbounds) and
        // once for a shared unlimited one, and each batch is sent twice at once, as a node retrying a lost answer
        // does. Rounds then gather batches whose reports share keys (summed before Redis sees them) together with
        // retries of batches applied in an earlier round or in the same one (sent again without them).
        Guid limited = Guid.NewGuid(), shared = Guid.NewGuid();
        await _redis.SeedSubscriptionAsync(limited, maxTraffic: 1_000);
        await _redis.SeedSubscriptionAsync(shared);
        Guid inboundA = Guid.NewGuid(), inboundB = Guid.NewGuid();
        Assert.False((await ApplyOutcomeAsync(Guid.NewGuid(), 1, Anchor, [], [(limited, 0), (shared, 0)])).Duplicate); // states now cached

        const int Nodes = 40;
        var sends = new List<Task<UsageOutcome>>();
        var cutoffs = new List<List<Guid>>();
        for (int n = 0; n < Nodes; n++)
        {
            var node = Guid.NewGuid();
            byte[] body = TestBatch.Build(1, [TestBatch.Report(limited, 10, 5, inboundA), TestBatch.Report(limited, 10, 5, inboundB), TestBatch.Report(shared, 7, 0)]);
            for (int copy = 0; copy < 2; copy++)
            {
                var cutoff = new List<Guid>();
                cutoffs.Add(cutoff);
                sends.Add(ApplyBodyAsync(body, node, Anchor, cutoff));
            }
        }
        UsageOutcome[] outcomes = await Task.WhenAll(sends);

        Assert.Equal(Nodes, outcomes.Count(o => !o.Duplicate));
        Assert.Equal(Nodes * 30, await _redis.UsedAsync(limited));
        Assert.Equal(Nodes * 7, await _redis.UsedAsync(shared));
        Assert.Single(await _redis.EventsForAsync(limited));
        // 1 000 is reached by the 34th batch applied: at least the six applied after it (and their retries) say so.
        Assert.InRange(cutoffs.Count(c => c.Contains(limited)), 6, 2 * Nodes);
        Assert.DoesNotContain(cutoffs, c => c.Contains(shared));
    }

    [Fact]
    [Trait(RedisTopology.Trait, RedisTopology.SingleServer)] // a proxy in front of the one server
    public async Task ApplyAsync_RoundWhoseSecondBatchCrossesALimit_CutsOffThatSubscriptionOnlyAndTheEventNamesItsNode()
    {
        // A call lists the usage keys with a limit before the others, whichever batch named them first: the reply's key
        // indexes must still lead to the right reports, and the event to the node of the batch that named the key.
        Guid open = Guid.NewGuid(), limited = Guid.NewGuid(), warm = Guid.NewGuid(), held = Guid.NewGuid(), first = Guid.NewGuid(), second = Guid.NewGuid();
        while (Shared.Contracts.Buckets.Of(limited, Buckets) != Shared.Contracts.Buckets.Of(open, Buckets)) limited = Guid.NewGuid();
        int bucket = Shared.Contracts.Buckets.Of(open, Buckets);
        await _redis.SeedSubscriptionAsync(open);
        await _redis.SeedSubscriptionAsync(limited, maxTraffic: 100);
        await using ProxiedRedis proxied = await ProxiedRedis.OpenAsync(_redis.KeyPrefix);
        var applier = new UsageApplier(proxied.Db, new IngestOptions { BucketCount = Buckets });
        // Loads the script, and both states into the decider's cache, so the batches below are queued as soon as they are given.
        await ApplyBodyAsync(TestBatch.Build(1, [TestBatch.Report(open, 1, 0), TestBatch.Report(limited, 1, 0)]), warm, Anchor, [], applier);
        await using RedisMonitor monitor = await RedisMonitor.StartAsync(_redis.ServerOf(RedisKeys.Events(bucket)));

        // One round's answer is held, so the next two batches wait for the round after it, together and in this order.
        proxied.Proxy.PauseReplies();
        Task<UsageOutcome> heldRound = ApplyBodyAsync(TestBatch.Build(1, [TestBatch.Report(open, 1, 0)]), held, Anchor, [], applier);
        int calls = 0;
        await Poll.UntilAsync(async () => (calls += await monitor.CountAsync("EVALSHA", held.ToString("N"))) > 0,
            TimeSpan.FromSeconds(30), "the held round's call to reach Redis", () => Task.FromResult(calls.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        List<Guid> firstCutoff = [], secondCutoff = [];
        Task<UsageOutcome> firstApply = ApplyBodyAsync(TestBatch.Build(1, [TestBatch.Report(open, 10, 0)]), first, Anchor, firstCutoff, applier);
        Task<UsageOutcome> secondApply = ApplyBodyAsync(TestBatch.Build(1, [TestBatch.Report(open, 10, 0), TestBatch.Report(limited, 200, 0)]),
            second, Anchor, secondCutoff, applier);
        proxied.Proxy.Resume();
        await Task.WhenAll(heldRound, firstApply, secondApply);

        // The two portions went in one call: the first node's dedup key, then the second's.
        string bothSeqKeys = $"{first:N}\" \"{_redis.KeyPrefix}{RedisKeys.SeqPrefix(bucket)}{second:N}\"";
        Assert.Equal(1, await monitor.CountAsync("EVALSHA", bothSeqKeys));
        Assert.Equal([limited], secondCutoff);
        Assert.Empty(firstCutoff);
        Assert.Equal(22, await _redis.UsedAsync(open));
        Assert.Equal(201, await _redis.UsedAsync(limited));
        Dictionary<string, string> crossing = Assert.Single(await _redis.EventsForAsync(limited));
        Assert.Equal(second.ToString("N"), crossing["node"]);
        Assert.Equal("201", crossing["used"]);
        Assert.Equal("100", crossing["limit"]);
        await applier.DisposeAsync();
    }

    [Fact]
    public async Task UsageScript_IncrementWouldOverflow_LeavesNothingRecorded()
    {
        (Guid sid, Guid full, RedisKey[] keys) = OneCallOfTwoUsageKeys();
        await _redis.Db.StringSetAsync(keys[3], long.MaxValue - 5);

        RedisResult reply = await _redis.Db.ScriptEvaluateAsync(UsageScript.Source, keys, OneCallOfTwoUsageKeysArgs);

        Assert.Equal(UsageScript.Overflow, (long)reply[0]);
        Assert.Equal(1, (long)reply[1][0]); // the second usage key
        Assert.False(await _redis.Db.KeyExistsAsync(keys[1])); // no seq recorded
        Assert.Equal(0, await _redis.UsedAsync(sid)); // the first increment was taken back
        Assert.Equal(long.MaxValue - 5, await _redis.UsedAsync(full));
    }

    [Fact]
    public async Task UsageScript_IncrementFailsForAnotherReason_AnErrorWithNothingRecordedNotAnOverflow()
    {
        // Only an overflow is a report's fault (its reports are rejected for good); any other failed increment must
        // fail the call, with nothing applied, so the request answers 503 and the node retries.
        (Guid sid, _, RedisKey[] keys) = OneCallOfTwoUsageKeys();
        await _redis.Db.HashSetAsync(keys[3], "not", "a counter");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => _redis.Db.ScriptEvaluateAsync(UsageScript.Source, keys, OneCallOfTwoUsageKeysArgs));

        Assert.Contains("WRONGTYPE", error.Message);
        Assert.False(await _redis.Db.KeyExistsAsync(keys[1]));
        Assert.Equal(0, await _redis.UsedAsync(sid));
    }

    // ARGV of one usage call: 1 portion, now, seq 9, no key with a limit, the delta of each key: 100 and 6.
    private static readonly RedisValue[] OneCallOfTwoUsageKeysArgs = [1, 1, 9, 0, 100, 6];

    /// <summary>KEYS of one usage call of a new node: events, the portion's seq key, the usage keys of two subscriptions
    /// in one bucket (as the applier builds a call: one slot).</summary>
    private static (Guid First, Guid Second, RedisKey[] Keys) OneCallOfTwoUsageKeys()
    {
        Guid node = Guid.NewGuid(), first = Guid.NewGuid(), second = Guid.NewGuid();
        while (Shared.Contracts.Buckets.Of(second, Buckets) != Shared.Contracts.Buckets.Of(first, Buckets)) second = Guid.NewGuid();
        int bucket = Shared.Contracts.Buckets.Of(first, Buckets);
        return (first, second, [RedisKeys.Events(bucket), RedisKeys.SeqPrefix(bucket) + node.ToString("N"),
            RedisKeys.Usage(first, 0, Buckets), RedisKeys.Usage(second, 0, Buckets)]);
    }

    [Fact]
    public async Task ApplyAsync_CounterNearInt64Max_ThoseReportsRejectedAndTheRestApplied()
    {
        Guid node = Guid.NewGuid(), sid = Guid.NewGuid(), full = Guid.NewGuid();
        while (Shared.Contracts.Buckets.Of(full, Buckets) != Shared.Contracts.Buckets.Of(sid, Buckets)) full = Guid.NewGuid();
        await _redis.Db.StringSetAsync(RedisKeys.Usage(full, 0, Buckets), long.MaxValue - 5);

        using var batch = new BatchContext();
        var handler = new CollectingHandler(batch, Buckets, ReportBounds.None);
        byte[] body = TestBatch.Build(3, [TestBatch.Report(sid, 60, 40), TestBatch.Report(full, 3, 3), TestBatch.Report(sid, 1, 0)]);
        TrafficBatchParser.Parse(new ReadOnlySequence<byte>(body), TrafficBatchLimits.Default, ref handler);
        await _decider.DecideAsync(batch, node, Anchor, decideScope: false, CancellationToken.None);
        UsageOutcome outcome = await _applier.ApplyAsync(batch, node, Anchor, CancellationToken.None);

        Assert.False(outcome.Duplicate);
        Assert.Equal(1, batch.RejectedReports);
        Assert.Equal(ReportVerdict.Overflow, batch.Reports[1].Verdict);
        Assert.Equal(101, await _redis.UsedAsync(sid));
        Assert.Equal(long.MaxValue - 5, await _redis.UsedAsync(full));
        Assert.True((await ApplyOutcomeAsync(node, 3, Anchor, (sid, 1))).Duplicate); // the seq was recorded with the rest
    }

    [Fact]
    public async Task ApplyAsync_ScriptFlushedBeforeEachBatch_LoadedAgainAndEachBatchCountedOnce()
    {
        // SCRIPT FLUSH (like a Redis restart or a failover to a replica that never ran the script) empties the server's
        // script cache while Ingest still names the script by its SHA1: its next EVALSHA meets NOSCRIPT, and Ingest
        // sends the call again with the script's text, which the library loads. NOSCRIPT means the script did not run, so the second
        // send cannot count anything twice. (Another client may reload the script first, e.g. an Ingest of another test
        // class; the EVALSHA then simply succeeds. Both paths must count once.)
        Guid node = Guid.NewGuid(), a = Guid.NewGuid(), b = Guid.NewGuid();
        Assert.False((await ApplyOutcomeAsync(node, 1, Anchor, (a, 10), (b, 20))).Duplicate);
        for (ulong seq = 2; seq <= 4; seq++)
        {
            await _redis.ScriptFlushAsync();
            Assert.False((await ApplyOutcomeAsync(node, seq, Anchor, (a, 10), (b, 20))).Duplicate);
            Assert.True(await _redis.ScriptLoadedAnywhereAsync(UsageScript.Source));
        }
        await _redis.ScriptFlushAsync();
        Assert.True((await ApplyOutcomeAsync(node, 4, Anchor, (a, 10), (b, 20))).Duplicate); // a node's retry across the flush

        Assert.Equal(40, await _redis.UsedAsync(a));
        Assert.Equal(80, await _redis.UsedAsync(b));
    }

    private async Task<List<Guid>> ApplyAsync(Guid node, ulong seq, long nowMs, params (Guid Sid, ulong Bytes)[] reports)
    {
        var cutoff = new List<Guid>();
        await ApplyOutcomeAsync(node, seq, nowMs, cutoff, reports);
        return cutoff;
    }

    private Task<UsageOutcome> ApplyOutcomeAsync(Guid node, ulong seq, long nowMs, params (Guid Sid, ulong Bytes)[] reports) =>
        ApplyOutcomeAsync(node, seq, nowMs, [], reports);

    private async Task<UsageOutcome> ApplyOutcomeAsync(Guid node, ulong seq, long nowMs, List<Guid> cutoff, (Guid Sid, ulong Bytes)[] reports)
    {
        byte[] body = TestBatch.Build(seq, reports.Select(r => TestBatch.Report(r.Sid, r.Bytes, 0)).ToArray());
        return await ApplyBodyAsync(body, node, nowMs, cutoff);
    }

    private async Task<UsageOutcome> ApplyBodyAsync(byte[] body, Guid node, long nowMs, List<Guid> cutoff, UsageApplier? applier = null)
    {
        applier ??= _applier;
        using var batch = new BatchContext();
        var handler = new CollectingHandler(batch, Buckets, ReportBounds.None);
        TrafficBatchParser.Parse(new ReadOnlySequence<byte>(body), TrafficBatchLimits.Default, ref handler);
        // These tests are about counting: the scope is decided (and tested) at the endpoint, so this applies as a replay does.
        await _decider.DecideAsync(batch, node, nowMs, decideScope: false, CancellationToken.None);
        UsageOutcome outcome = await applier.ApplyAsync(batch, node, nowMs, CancellationToken.None);
        cutoff.AddRange(batch.Cutoff);
        return outcome;
    }

    public async Task DisposeAsync()
    {
        await _applier.DisposeAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>This class's Redis through a fault proxy, so a test can hold requests or answers at a chosen moment.</summary>
    private sealed class ProxiedRedis(TcpFaultProxy proxy, ConnectionMultiplexer connection, IDatabase db) : IAsyncDisposable
    {
        public TcpFaultProxy Proxy { get; } = proxy;

        public ConnectionMultiplexer Connection { get; } = connection;

        public IDatabase Db { get; } = db;

        public static async Task<ProxiedRedis> OpenAsync(string keyPrefix)
        {
            TestServers.RedisServer direct = TestServers.RedisBase;
            var proxy = new TcpFaultProxy(direct.Host, direct.Port);
            try
            {
                ConnectionMultiplexer connection = await RedisConnector.ConnectAsync(TestServers.RedisFor(proxy.Port));
                return new ProxiedRedis(proxy, connection, RedisConnector.Database(connection, keyPrefix));
            }
            catch
            {
                await proxy.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Connection.DisposeAsync();
            await Proxy.DisposeAsync();
        }
    }
}
