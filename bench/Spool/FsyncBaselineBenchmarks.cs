using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace Vpn.Perf.Benchmarks.Spool;

/// <summary>Context for <see cref="SpoolBenchmarks"/>: one thread appending 16 KiB and fsyncing after each write, i.e. the
/// disk's raw synchronous-write rate without group commit. Every write extends the file, as spool appends do (so each fsync
/// also commits the new size); the file is truncated to zero every 4096 writes (64 MiB).</summary>
public class FsyncBaselineBenchmarks
{
    private readonly byte[] _payload = new byte[16 * 1024];
    private string _path = "";
    private SafeFileHandle? _handle;
    private long _offset;

    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_payload);
        string root = Environment.GetEnvironmentVariable("SPOOL_BENCH_DIR") is { Length: > 0 } dir ? dir : Path.GetTempPath();
        _path = Path.Combine(root, "vpn-perf-fsync-bench-" + Guid.NewGuid().ToString("N"));
        _handle = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.ReadWrite);
    }

    [Benchmark]
    public void Write16KiB_Fsync()
    {
        RandomAccess.Write(_handle!, _payload, _offset);
        RandomAccess.FlushToDisk(_handle!);
        _offset += _payload.Length;
        if (_offset >= 4096L * 16 * 1024)
        {
            RandomAccess.SetLength(_handle!, 0);
            _offset = 0;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _handle?.Dispose();
        File.Delete(_path);
    }
}
