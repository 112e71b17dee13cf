using System.Collections.Concurrent;

namespace Vpn.Perf.Load.Engine;

/// <summary>
/// Client-side counters of one run, updated by every sender with one <see cref="Interlocked"/> add each. The
/// measurement window is two <see cref="Snapshot"/>s subtracted, so warm-up and drain never leak into rates.
/// </summary>
internal sealed class RunCounters
{
    private readonly ConcurrentDictionary<int, long> _failuresByStatus = new();

    // Every answer's status (100..599), success or not: a flat array, so counting costs one Interlocked add.
    private readonly long[] _byStatus = new long[600];
    private long _attempts;
    private long _accepted;
    private long _reports;
    private long _accessEvents;
    private long _wireBytes;
    private long _rawBytes;
    private long _retries;
    private long _gaveUp;
    private long _duplicates;
    private long _queuedAtEnd;

    public void Attempt() => Interlocked.Increment(ref _attempts);

    public void Accepted(int reports, int accessEvents, int wireBytes, int rawBytes, bool duplicate)
    {
        Interlocked.Increment(ref _accepted);
        Interlocked.Add(ref _reports, reports);
        Interlocked.Add(ref _accessEvents, accessEvents);
        Interlocked.Add(ref _wireBytes, wireBytes);
        Interlocked.Add(ref _rawBytes, rawBytes);
        if (duplicate) Interlocked.Increment(ref _duplicates);
    }

    /// <summary>A failed attempt: an HTTP status, or 0 for a transport error or timeout.</summary>
    public void Failed(int status) => _failuresByStatus.AddOrUpdate(status, 1, static (_, n) => n + 1);

    /// <summary>Counts one answer by its status, whatever it was (the scenarios that report 200/304/4xx shares).</summary>
    public void Answered(int status)
    {
        if (status is >= 100 and < 600) Interlocked.Increment(ref _byStatus[status]);
    }

    public void Retried() => Interlocked.Increment(ref _retries);

    public void GaveUp() => Interlocked.Increment(ref _gaveUp);

    public void QueuedAtEnd(long n) => Interlocked.Add(ref _queuedAtEnd, n);

    public CounterSnapshot Snapshot() => new(
        Volatile.Read(ref _attempts), Volatile.Read(ref _accepted), Volatile.Read(ref _reports), Volatile.Read(ref _accessEvents),
        Volatile.Read(ref _wireBytes), Volatile.Read(ref _rawBytes), Volatile.Read(ref _retries), Volatile.Read(ref _gaveUp),
        Volatile.Read(ref _duplicates), Volatile.Read(ref _queuedAtEnd),
        new SortedDictionary<int, long>(_failuresByStatus), StatusCounts());

    private SortedDictionary<int, long> StatusCounts()
    {
        var counts = new SortedDictionary<int, long>();
        for (int status = 100; status < _byStatus.Length; status++)
        {
            long n = Volatile.Read(ref _byStatus[status]);
            if (n != 0) counts[status] = n;
        }
        return counts;
    }
}

/// <summary>The counters at one instant; <see cref="Minus"/> gives a window.</summary>
internal sealed record CounterSnapshot(
    long Attempts, long Accepted, long Reports, long AccessEvents, long WireBytes, long RawBytes, long Retries, long GaveUp,
    long Duplicates, long QueuedAtEnd, SortedDictionary<int, long> FailuresByStatus, SortedDictionary<int, long> ByStatus)
{
    public long Failures
    {
        get
        {
            long n = 0;
            foreach (long v in FailuresByStatus.Values) n += v;
            return n;
        }
    }

    public CounterSnapshot Minus(CounterSnapshot earlier)
        => new(Attempts - earlier.Attempts, Accepted - earlier.Accepted, Reports - earlier.Reports, AccessEvents - earlier.AccessEvents,
            WireBytes - earlier.WireBytes, RawBytes - earlier.RawBytes, Retries - earlier.Retries, GaveUp - earlier.GaveUp,
            Duplicates - earlier.Duplicates, QueuedAtEnd - earlier.QueuedAtEnd, Subtract(FailuresByStatus, earlier.FailuresByStatus),
            Subtract(ByStatus, earlier.ByStatus));

    private static SortedDictionary<int, long> Subtract(SortedDictionary<int, long> later, SortedDictionary<int, long> earlier)
    {
        var d = new SortedDictionary<int, long>();
        foreach ((int status, long n) in later)
        {
            long delta = n - earlier.GetValueOrDefault(status);
            if (delta != 0) d[status] = delta;
        }
        return d;
    }
}
