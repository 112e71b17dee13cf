using System.Diagnostics;

namespace Vpn.Perf.Load.Engine;

/// <summary>The timeline of one run in <see cref="Stopwatch"/> ticks: start, end of warm-up, end of load, hard stop.</summary>
internal readonly record struct RunWindow(long Start, long MeasureStart, long End, long HardStop)
{
    /// <summary>In-flight batches get this long after the end to finish (retries included) before they are cancelled.</summary>
    public static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(60);

    public static RunWindow From(long start, TimeSpan warmup, TimeSpan duration)
    {
        long measure = start + Ticks(warmup);
        long end = measure + Ticks(duration);
        return new RunWindow(start, measure, end, end + Ticks(DrainLimit));
    }

    public static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    public static TimeSpan Until(long timestamp)
    {
        long left = timestamp - Stopwatch.GetTimestamp();
        return left <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)left / Stopwatch.Frequency);
    }
}
