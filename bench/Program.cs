using BenchmarkDotNet.Running;
<<<<<<< HEAD
using Vpn.Perf.Benchmarks.ClickHouse;
=======
using Vpn.Perf.Benchmarks.Redis;
>>>>>>> redis-client

namespace Vpn.Perf.Benchmarks;

internal static class BenchmarkMain
{
<<<<<<< HEAD
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "ch-insert") return await InsertThroughput.RunAsync(args);
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkMain).Assembly).Run(args);
        return 0;
=======
    public static async Task Main(string[] args)
    {
        // Live-server measurements that are not BenchmarkDotNet suites take a verb as the first argument.
        if (args.Length > 0 && args[0] == "redis-throughput")
        {
            await RespThroughput.RunAsync(args[1..]);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkMain).Assembly).Run(args);
>>>>>>> redis-client
    }
}
