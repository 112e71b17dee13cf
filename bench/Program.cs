using BenchmarkDotNet.Running;
using Vpn.Perf.Benchmarks.Redis;

namespace Vpn.Perf.Benchmarks;

internal static class BenchmarkMain
{
    public static async Task Main(string[] args)
    {
        // Live-server measurements that are not BenchmarkDotNet suites take a verb as the first argument.
        if (args.Length > 0 && args[0] == "redis-throughput")
        {
            await RespThroughput.RunAsync(args[1..]);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkMain).Assembly).Run(args);
    }
}
