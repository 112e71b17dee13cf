using BenchmarkDotNet.Attributes;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Benchmarks.Usage;

/// <summary>
/// What finding a report's usage period costs: the calendar arithmetic of <see cref="ResetPeriod.PeriodStart"/> (a monthly
/// period steps through several <c>AddMonths</c>), which the decide stage now does once per state load, against the range
/// check it does per report instead. Run: <c>cd bench &amp;&amp; dotnet run -c Release -- --filter '*PeriodStart*'</c>.
/// </summary>
/// <remarks>Not sealed: BenchmarkDotNet generates a subclass of each benchmark class.</remarks>
[MemoryDiagnoser]
public class PeriodStartBenchmarks
{
    private static readonly long Anchor = new DateTimeOffset(2026, 1, 31, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly long Now = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly ResetPeriod _monthly = ResetPeriod.Parse("P1M");
    private long _start;
    private long _end;

    [GlobalSetup]
    public void Setup()
    {
        _start = _monthly.PeriodStart(Anchor, Now);
        _end = _monthly.PeriodEnd(Anchor, Now);
    }

    [Benchmark(Baseline = true)]
    public long MonthlyPeriodStart() => _monthly.PeriodStart(Anchor, Now);

    [Benchmark]
    public long CachedPeriodRange() => Now >= _start && Now < _end ? _start : _monthly.PeriodStart(Anchor, Now);
}
