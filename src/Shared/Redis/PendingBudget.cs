namespace Vpn.Perf.Shared.Redis;

/// <summary>The client-wide count of commands queued or awaiting replies, shared by its connections.</summary>
internal sealed class PendingBudget(int max)
{
    private int _count;

    public int Max { get; } = max;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Takes one slot; false (taking nothing) when <see cref="Max"/> are in use.</summary>
    public bool TryTake()
    {
        if (Interlocked.Increment(ref _count) <= Max)
            return true;
        Interlocked.Decrement(ref _count);
        return false;
    }

    public void Return() => Interlocked.Decrement(ref _count);
}
