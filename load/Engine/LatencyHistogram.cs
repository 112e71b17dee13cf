using System.Numerics;

namespace Vpn.Perf.Load.Engine;

/// <summary>
/// An HDR-style log-linear histogram of microsecond values: values below 256 get a bucket each, above that every
/// power-of-two range is split into 128 equal buckets, so any recorded value is known to within 1/128 (0.8 %) from
/// 1 µs up to <see cref="long.MaxValue"/> in 7296 counters (57 KiB). Recording is one <see cref="Interlocked"/>
/// increment plus a compare-exchange when the maximum moves, so many senders can share one instance.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits; // 128 per octave: the relative precision
    private const int LinearLimit = 2 * SubBuckets;     // below 256 every value is exact
    // The top octave starts at 2^62 (msb 62): shifts 1..55 each add 128 buckets above the linear part.
    private const int BucketCount = LinearLimit + ((62 - SubBucketBits) * SubBuckets);

    private readonly long[] _counts = new long[BucketCount];
    private long _count;
    private long _sum;
    private long _max;
    private long _min = long.MaxValue;

    public long Count => Volatile.Read(ref _count);

    public long Max => Volatile.Read(ref _max);

    public long Min => Count == 0 ? 0 : Volatile.Read(ref _min);

    public double Mean => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    public void Record(long micros)
    {
        if (micros < 0) micros = 0;
        Interlocked.Increment(ref _counts[IndexOf(micros)]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sum, micros);
        long max = Volatile.Read(ref _max);
        while (micros > max)
        {
            long seen = Interlocked.CompareExchange(ref _max, micros, max);
            if (seen == max) break;
            max = seen;
        }
        long min = Volatile.Read(ref _min);
        while (micros < min)
        {
            long seen = Interlocked.CompareExchange(ref _min, micros, min);
            if (seen == min) break;
            min = seen;
        }
    }

    /// <summary>
    /// The value at quantile <paramref name="q"/> (0..1): the highest value equivalent to the bucket holding the
    /// q-th recorded value (the HdrHistogram convention, so a percentile never under-reports), capped at the maximum.
    /// </summary>
    public long ValueAtQuantile(double q)
    {
        long total = Count;
        if (total == 0) return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank) return Math.Min(HighestEquivalent(i), Max);
        }
        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearLimit) return (int)value;
        int msb = 63 - BitOperations.LeadingZeroCount((ulong)value); // >= 8 here
        int shift = msb - SubBucketBits;                              // >= 1: drop bits below the 7 after the msb
        int top = (int)(value >> shift);                              // 128..255
        return LinearLimit + ((shift - 1) * SubBuckets) + (top - SubBuckets);
    }

    internal static long HighestEquivalent(int index)
    {
        if (index < LinearLimit) return index;
        int shift = ((index - LinearLimit) / SubBuckets) + 1;
        long top = ((index - LinearLimit) % SubBuckets) + SubBuckets;
        return (top << shift) + (1L << shift) - 1;
    }
}
