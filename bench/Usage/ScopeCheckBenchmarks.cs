using BenchmarkDotNet.Attributes;
using StackExchange.Redis;
using Vpn.Perf.Benchmarks.Redis;
using Vpn.Perf.Ingest;
using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Benchmarks.Usage;

/// <summary>
/// Time and allocation per access event of the decide stage's scope check (<see cref="BatchDecider.DecideAsync"/> with
/// scope decided) on access-only batches of 150 events, as the load suite's HTTP-path part sends them: subscriptions
/// linked as the load's fleet links them (one inbound on each of 256 nodes, 4 inbounds per node, so 4 distinct scopes of
/// 256 links), every state cached at setup, events drawn uniformly from <see cref="Subscriptions"/> subscriptions.
/// 256 distinct batches are decided in turn, so the events do not find the same entries hot in the CPU's cache.
/// <see cref="DecideReports"/> does the same for batches of 250 reports, as the end-to-end parts send them.
/// Run: <c>cd bench &amp;&amp; dotnet run -c Release -- --filter '*ScopeCheck*'</c> (the live Redis, database 9, flushed).
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet generates a subclass of each benchmark class.</remarks>
[MemoryDiagnoser]
public class ScopeCheckBenchmarks
{
    private const int Nodes = 256;
    private const int InboundsPerNode = 4;
    private const int EventsPerBatch = 150;
    private const int Batches = 256;
    private const int ReportsPerBatch = 250;

    private readonly IngestOptions _options = new();
    private readonly BatchContext[] _batches = new BatchContext[Batches];
    private readonly BatchContext[] _reportBatches = new BatchContext[Batches];
    private readonly Guid[] _batchNodes = new Guid[Batches];
    private BatchDecider _decider = null!;
    private long _nowMs;
    private SubscriptionStateCache _states = null!;
    private SubscriptionScope _someScope = null!;

    [Params(2_000, 20_000)]
    public int Subscriptions { get; set; }

    // Synchronous: BenchmarkDotNet's in-process toolchain (--inProcess, for a machine too busy to build the
    // boilerplate project in time) does not await an async setup.
    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        await using ConnectionMultiplexer redis = await BenchRedis.ConnectAsync();
        await BenchRedis.Server(redis).FlushDatabaseAsync(BenchRedis.Database);
        IDatabase db = redis.GetDatabase(BenchRedis.Database);

        var random = new Random(42);
        var nodes = new Guid[Nodes];
        var inbounds = new Guid[Nodes, InboundsPerNode];
        for (int n = 0; n < Nodes; n++)
        {
            nodes[n] = Guid.CreateVersion7();
            for (int i = 0; i < InboundsPerNode; i++) inbounds[n, i] = Guid.CreateVersion7();
        }
        var scopes = new SubscriptionScope[InboundsPerNode];
        for (int i = 0; i < InboundsPerNode; i++)
        {
            var links = new InboundLink[Nodes];
            for (int n = 0; n < Nodes; n++) links[n] = new InboundLink(inbounds[n, i], nodes[n]);
            scopes[i] = SubscriptionScope.Of(links);
            await db.StringSetAsync(RedisKeys.Scope(scopes[i].Id), scopes[i].Format());
        }
        var ids = new Guid[Subscriptions];
        var seeding = new List<Task>(ids.Length);
        for (int s = 0; s < ids.Length; s++)
        {
            ids[s] = Guid.CreateVersion7();
            seeding.Add(db.HashSetAsync(RedisKeys.SubscriptionState(ids[s], _options.BucketCount),
                [new(SubscriptionState.Fields.Suspended, "0"), new(SubscriptionState.Fields.Scope, scopes[s % InboundsPerNode].Id)]));
        }
        await Task.WhenAll(seeding);

        var states = new SubscriptionStateCache(db, _options);
        _nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (int s = 0; s < ids.Length; s += 1_000)
        {
            await states.LoadAsync(ids[s..Math.Min(s + 1_000, ids.Length)], _nowMs, CancellationToken.None);
        }
        _decider = new BatchDecider(states);
        _states = states;
        _someScope = scopes[0];

        for (int b = 0; b < Batches; b++)
        {
            int node = random.Next(Nodes);
            _batchNodes[b] = nodes[node];
            var batch = _batches[b] = new BatchContext();
            batch.EnsureAccessCapacity(EventsPerBatch);
            batch.AccessCount = EventsPerBatch;
            for (int e = 0; e < EventsPerBatch; e++)
            {
                int s = random.Next(ids.Length);
                batch.Access[e] = new PendingAccess { SubscriptionId = ids[s], InboundId = inbounds[node, s % InboundsPerNode] };
            }
            var reports = _reportBatches[b] = new BatchContext();
            reports.EnsureCapacity(ReportsPerBatch);
            reports.ReportCount = ReportsPerBatch;
            for (int r = 0; r < ReportsPerBatch; r++)
            {
                int s = random.Next(ids.Length);
                reports.Reports[r] = new PendingReport
                {
                    SubscriptionId = ids[s], InboundId = inbounds[node, s % InboundsPerNode], Verdict = ReportVerdict.Accepted,
                };
            }
        }
        await BenchRedis.Server(redis).FlushDatabaseAsync(BenchRedis.Database);
    }

    /// <summary>One access event's check (the figure is per event: 150 per batch, 256 batches per invoke).</summary>
    [Benchmark(OperationsPerInvoke = Batches * EventsPerBatch)]
    public void DecideAccessEvents()
    {
        for (int b = 0; b < Batches; b++)
        {
            _batches[b].ScopeVerdicts = default; // as a request's batch starts
            ValueTask deciding = _decider.DecideAsync(_batches[b], _batchNodes[b], _nowMs, decideScope: true, CancellationToken.None);
            if (!deciding.IsCompletedSuccessfully) throw new InvalidOperationException("A state was not cached.");
        }
    }

    /// <summary>One report's decision: its state's scope, limit and block from the cache (per report, 250 per batch).</summary>
    [Benchmark(OperationsPerInvoke = Batches * ReportsPerBatch)]
    public void DecideReports()
    {
        for (int b = 0; b < Batches; b++)
        {
            _reportBatches[b].ScopeVerdicts = default;
            ValueTask deciding = _decider.DecideAsync(_reportBatches[b], _batchNodes[b], _nowMs, decideScope: true, CancellationToken.None);
            if (!deciding.IsCompletedSuccessfully) throw new InvalidOperationException("A state was not cached.");
        }
    }

    /// <summary>The state cache lookup alone, per event: the part of the check that grows with the subscriptions.</summary>
    [Benchmark(OperationsPerInvoke = Batches * EventsPerBatch)]
    public int LookupOnly()
    {
        int found = 0;
        for (int b = 0; b < Batches; b++)
        {
            BatchContext batch = _batches[b];
            for (int e = 0; e < EventsPerBatch; e++)
            {
                if (_states.TryGetScope(batch.Access[e].SubscriptionId, _nowMs, out _)) found++;
            }
        }
        return found;
    }

    /// <summary>The link check alone, per event, without <see cref="ScopeVerdicts"/>: one scope of 256 links, 1 in 4 found.</summary>
    [Benchmark(OperationsPerInvoke = Batches * EventsPerBatch)]
    public int AllowsOnly()
    {
        int found = 0;
        for (int b = 0; b < Batches; b++)
        {
            BatchContext batch = _batches[b];
            for (int e = 0; e < EventsPerBatch; e++)
            {
                if (_someScope.Allows(batch.Access[e].InboundId, _batchNodes[b])) found++;
            }
        }
        return found;
    }
}
