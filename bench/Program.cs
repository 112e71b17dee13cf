using BenchmarkDotNet.Running;

namespace Vpn.Perf.Benchmarks;

internal static class BenchmarkMain
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkMain).Assembly).Run(args);
}
