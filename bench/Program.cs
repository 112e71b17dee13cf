using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Vpn.Perf.Benchmarks.Analytics;
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
            case ["analytics-queries", ..]:
                return await AnalyticsQueryTimes.RunAsync(args);
            case ["ch-shards", ..]:
                return await ShardInsertThroughput.RunAsync(args);
            case ["usage-throughput", ..]:
                return await UsageThroughput.RunAsync(args);
            case ["increment-designs", ..]:
                return await IncrementDesigns.RunAsync(args);
            case ["redis-throughput", ..]:
                await RespThroughput.RunAsync(args[1..]);
                return 0;
        }
        // A Short job unless the command line names one (--job default for BenchmarkDotNet's full default): the whole set
        // then runs in minutes on the 2-core machine. Marked as the default job so that other options (--iterationCount ...)
        // still apply to it.
        bool jobGiven = args.Any(static a => a is "--job" or "-j" || a.StartsWith("--job=", StringComparison.Ordinal));
        IConfig? config = jobGiven ? null : DefaultConfig.Instance.AddJob(Job.ShortRun.AsDefault());
        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkMain).Assembly).Run(args, config);
        return 0;
    }
}
