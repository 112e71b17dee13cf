using System.Buffers;
using BenchmarkDotNet.Attributes;
using StackExchange.Redis;
using Vpn.Perf.Benchmarks.Redis;
using Vpn.Perf.Benchmarks.Wire;
using Vpn.Perf.Ingest;
using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Benchmarks.Usage;

/// <summary>
/// Time and allocation per batch of Ingest's Redis stage: <see cref="UsageApplier.ApplyAsync"/> of the captured
/// 250-report batch (<see cref="TrafficBatchPayload"/>) against the live Redis (<c>ConnectionStrings__Redis</c>,
/// database 9, flushed before and after). <see cref="OneBatch"/> is a lone batch (a round of its own: one script call
/// per bucket it touches); <see cref="Batches32"/> is 32 nodes' batches in flight at once, so rounds gather several and
/// share their calls, as under load. Subscription states are cached at setup, so only the Redis calls are measured.
/// Allocation counts every thread (the applier's loop and the client's reader included).
/// Run: <c>cd bench &amp;&amp; dotnet run -c Release -- --filter '*UsageApplier*'</c>.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet generates a subclass of each benchmark class.</remarks>
[MemoryDiagnoser]
#pragma warning disable CA1001 // BenchmarkDotNet disposes through GlobalCleanup
public class UsageApplierBenchmarks
#pragma warning restore CA1001
{
    private const int Nodes = 32;

    private readonly IngestOptions _options = new();
    private readonly BatchContext[] _batches = new BatchContext[Nodes];
    private readonly Guid[] _nodes = new Guid[Nodes];
    private readonly Task<UsageOutcome>[] _applying = new Task<UsageOutcome>[Nodes];
    private ConnectionMultiplexer _redis = null!;
    private UsageApplier _applier = null!;
    private ulong _seq;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _redis = await BenchRedis.ConnectAsync();
        await BenchRedis.Server(_redis).FlushDatabaseAsync(BenchRedis.Database);
        IDatabase db = _redis.GetDatabase(BenchRedis.Database);
        var decider = new BatchDecider(new SubscriptionStateCache(db, _options));
        _applier = new UsageApplier(db, _options);

        var body = new ArrayBufferWriter<byte>();
        TrafficBatchPayload.Create().WriteTo(body);
        long nowMs = TrafficBatchPayload.IntervalStartSeconds * 1000;
        for (int n = 0; n < Nodes; n++)
        {
            _batches[n] = new BatchContext();
            _nodes[n] = Guid.NewGuid();
            var handler = new CollectingHandler(_batches[n], _options.BucketCount, ReportBounds.None);
            TrafficBatchParser.Parse(new ReadOnlySequence<byte>(body.WrittenMemory), TrafficBatchLimits.Default, ref handler);
            await decider.DecideAsync(_batches[n], _nodes[n], nowMs, decideScope: false, CancellationToken.None);
        }
    }

    [Benchmark]
    public async ValueTask<bool> OneBatch() => (await ApplyAsync(0)).Duplicate;

    [Benchmark(OperationsPerInvoke = Nodes)]
    public Task Batches32()
    {
        for (int n = 0; n < Nodes; n++) _applying[n] = ApplyAsync(n).AsTask();
        return Task.WhenAll(_applying);
    }

    private ValueTask<UsageOutcome> ApplyAsync(int n)
    {
        BatchContext batch = _batches[n];
        // A fresh seq each time: every batch is new to the script and counted, none is a duplicate.
        batch.Header = batch.Header with { Seq = ++_seq };
        batch.Cutoff.Clear();
        return _applier.ApplyAsync(batch, _nodes[n], TrafficBatchPayload.IntervalStartSeconds * 1000, CancellationToken.None);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _applier.DisposeAsync();
        await BenchRedis.Server(_redis).FlushDatabaseAsync(BenchRedis.Database);
        await _redis.DisposeAsync();
        foreach (BatchContext batch in _batches) batch.Dispose();
    }
}
