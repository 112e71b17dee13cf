using BenchmarkDotNet.Running;
using Vpn.Perf.Benchmarks.ClickHouse;

namespace Vpn.Perf.Benchmarks;

internal static class BenchmarkMain
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "ch-insert") return await InsertThroughput.RunAsync(args);
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkMain).Assembly).Run(args);
        return 0;
    }
}
