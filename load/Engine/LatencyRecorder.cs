using System.Diagnostics;

namespace Vpn.Perf.Load.Engine;

/// <summary>
/// Routes each latency to the histogram of the measurement window (only while it is open) and to the current
/// one-second interval histogram that the progress line reads and swaps.
/// </summary>
internal sealed class LatencyRecorder
{
    private LatencyHistogram _interval = new();
    private volatile bool _measuring;

    public LatencyHistogram Window { get; } = new();

    public bool Measuring
    {
        get => _measuring;
        set => _measuring = value;
    }

    /// <summary>Records the time from <paramref name="startTimestamp"/> (intended or actual start) to now.</summary>
    public void Record(long startTimestamp)
    {
        long micros = (long)Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds;
        Volatile.Read(ref _interval).Record(micros);
        if (_measuring) Window.Record(micros);
    }

    /// <summary>Returns the interval histogram so far and starts a new one (a sender may still land one value in the old one).</summary>
    public LatencyHistogram SwapInterval() => Interlocked.Exchange(ref _interval, new LatencyHistogram());
}
