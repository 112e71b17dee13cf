using System.Collections.Concurrent;

namespace Vpn.Perf.Load.Engine;

/// <summary>
/// Client-side counters of one run, updated by every sender with one <see cref="Interlocked"/> add each. The
/// measurement window is two <see cref="Snapshot"/>s subtracted, so warm-up and drain never leak into rates.
/// </summary>
internal sealed class RunCounters
{
    private readonly ConcurrentDictionary<int, long> _failuresByStatus = new();
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

    public void Retried() => Interlocked.Increment(ref _retries);

    public void GaveUp() => Interlocked.Increment(ref _gaveUp);

    public void QueuedAtEnd(long n) => Interlocked.Add(ref _queuedAtEnd, n);

    public CounterSnapshot Snapshot() => new(
        Volatile.Read(ref _attempts), Volatile.Read(ref _accepted), Volatile.Read(ref _reports), Volatile.Read(ref _accessEvents),
        Volatile.Read(ref _wireBytes), Volatile.Read(ref _rawBytes), Volatile.Read(ref _retries), Volatile.Read(ref _gaveUp),
        Volatile.Read(ref _duplicates), Volatile.Read(ref _queuedAtEnd),
        new SortedDictionary<int, long>(_failuresByStatus));
}

/// <summary>The counters at one instant; <see cref="Minus"/> gives a window.</summary>
internal sealed record CounterSnapshot(
    long Attempts, long Accepted, long Reports, long AccessEvents, long WireBytes, long RawBytes, long Retries, long GaveUp,
    long Duplicates, long QueuedAtEnd, SortedDictionary<int, long> FailuresByStatus)
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
    {
        var failures = new SortedDictionary<int, long>();
        foreach ((int status, long n) in FailuresByStatus)
        {
            long d = n - earlier.FailuresByStatus.GetValueOrDefault(status);
            if (d != 0) failures[status] = d;
        }
        return new(Attempts - earlier.Attempts, Accepted - earlier.Accepted, Reports - earlier.Reports, AccessEvents - earlier.AccessEvents,
            WireBytes - earlier.WireBytes, RawBytes - earlier.RawBytes, Retries - earlier.Retries, GaveUp - earlier.GaveUp,
            Duplicates - earlier.Duplicates, QueuedAtEnd - earlier.QueuedAtEnd, failures);
    }
}
