using System.Buffers;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Vpn.Perf.Ingest.Spool;

namespace Vpn.Perf.Benchmarks.Spool;

/// <summary>
/// Group-committed appends: 16 concurrent appenders (the request handlers) each append 16 KiB records back to back; one
/// operation is one append that has returned after its fsync. Ops/s = 1 / Mean. Fsyncs per append (the batching factor)
/// is printed at the end of the run. The spool lives under SPOOL_BENCH_DIR (default: the temp directory), which must be
/// on the disk being measured; each iteration's records are committed afterwards so the disk use stays bounded.
/// </summary>
[MemoryDiagnoser]
public class SpoolBenchmarks
{
    private const int Appenders = 16;
    private const int AppendsPerAppender = 256;
    private const int PayloadBytes = 16 * 1024;

    private readonly Task[] _tasks = new Task[Appenders];
    private readonly byte[] _payload = new byte[PayloadBytes];
    private string _directory = "";
    private DurableSpool? _spool;
    private ulong _seq;

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_payload);
        string root = Environment.GetEnvironmentVariable("SPOOL_BENCH_DIR") is { Length: > 0 } dir ? dir : Path.GetTempPath();
        _directory = Path.Combine(root, "vpn-perf-spool-bench-" + Guid.NewGuid().ToString("N"));
        _spool = DurableSpool.Open(new SpoolOptions { Directory = _directory }, NullLogger<DurableSpool>.Instance, TimeProvider.System);
    }

    [Benchmark(OperationsPerInvoke = Appenders * AppendsPerAppender)]
    public Task Append16KiB_16Appenders()
    {
        for (int i = 0; i < Appenders; i++)
        {
            _tasks[i] = AppendLoopAsync(i);
        }

        return Task.WhenAll(_tasks);
    }

    private async Task AppendLoopAsync(int appender)
    {
        Guid node = new(appender, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        var payload = new ReadOnlySequence<byte>(_payload);
        for (int i = 0; i < AppendsPerAppender; i++)
        {
            SpoolAppendResult result = await _spool!.AppendAsync(node, Interlocked.Increment(ref _seq), 0, payload, CancellationToken.None);
            if (!result.IsAppended)
            {
                throw new InvalidOperationException($"append returned {result.Status}");
            }
        }
    }

    [IterationCleanup]
    public void CommitEverything()
    {
        SpoolReader reader = _spool!.Reader;
        SpoolPosition end = reader.Position;
        while (reader.TryRead(out SpoolRecord record))
        {
            end = record.End;
        }

        // CommitAsync does its IO synchronously and returns a completed task.
        reader.CommitAsync(end, CancellationToken.None).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        DurableSpool spool = _spool!;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// spool: {spool.AppendedRecords} appends, {spool.SyncCount} group commits, {(double)spool.SyncCount / Math.Max(1, spool.AppendedRecords):F4} fsyncs per append, {(double)spool.AppendedRecords / Math.Max(1, spool.SyncCount):F1} appends per fsync"));
        await spool.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
