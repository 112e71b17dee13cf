using BenchmarkDotNet.Running;
using Vpn.Perf.Benchmarks.ClickHouse;
using Vpn.Perf.Benchmarks.Redis;
using Vpn.Perf.Benchmarks.Usage;

namespace Vpn.Perf.Benchmarks;

internal static class BenchmarkMain
{
    public static async Task<int> Main(string[] args)
    {
        // Live-server measurements that are not BenchmarkDotNet suites take a verb as the first argument.
        switch (args)
        {
            case ["ch-insert", ..]:
                return await InsertThroughput.RunAsync(args);
            case ["usage-throughput", ..]:
                return await UsageThroughput.RunAsync(args);
            case ["redis-throughput", ..]:
                await RespThroughput.RunAsync(args[1..]);
                return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkMain).Assembly).Run(args);
        return 0;
    }
}
