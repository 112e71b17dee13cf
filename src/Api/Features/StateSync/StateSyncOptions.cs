namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>Settings of the outbox dispatcher, the reconciler and the over-limit consumer (section <c>StateSync</c>).</summary>
internal sealed class StateSyncOptions
{
    public const string Section = "StateSync";

    /// <summary>Runs the three background loops; off only for hosts that must not touch Redis state (tools).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The dispatcher drains the outbox at least this often even without a notification (a lost NOTIFY, a reconnect).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Outbox rows claimed and published per transaction.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>First retry delay after a failed drain or read; doubles per failure up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time between reconciler passes; one pass also runs at start-up.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Subscriptions compared per page (one Postgres query and one pipelined Redis round per page).</summary>
    public int ReconcilePageSize { get; set; } = 500;

    /// <summary>
    /// Subscriptions one pass looks at; the next pass continues where this one stopped, so a very large table is
    /// covered over several passes instead of one long burst of Redis and Postgres load.
    /// </summary>
    public int ReconcileMaxPerPass { get; set; } = 50_000;

    /// <summary>Consumer group of the over-limit streams; every Api instance joins the same one.</summary>
    public string ConsumerGroup { get; set; } = "api";

    /// <summary>This instance's consumer name; stable across restarts so its own pending entries are read again first.</summary>
    public string ConsumerName { get; set; } = Environment.MachineName;

    /// <summary>
    /// The over-limit consumer's poll interval: after a read that found no events it waits this long before reading
    /// again (StackExchange.Redis has no blocking XREADGROUP), so an event waits at most about this long.
    /// </summary>
    public TimeSpan EventBlock { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Events read per XREADGROUP or XAUTOCLAIM.</summary>
    public int EventBatchSize { get; set; } = 100;

    /// <summary>
    /// A pending event idle this long is taken over from whichever consumer read it (an instance that crashed and
    /// never came back under the same name).
    /// </summary>
    public TimeSpan ClaimMinIdle { get; set; } = TimeSpan.FromMinutes(1);

    internal void Validate()
    {
        if (BatchSize is < 1 or > 10_000) throw new InvalidOperationException($"StateSync:BatchSize is {BatchSize}; it must be between 1 and 10000.");
        if (ReconcilePageSize is < 1 or > 10_000) throw new InvalidOperationException($"StateSync:ReconcilePageSize is {ReconcilePageSize}; it must be between 1 and 10000.");
        if (ReconcileMaxPerPass < ReconcilePageSize) throw new InvalidOperationException($"StateSync:ReconcileMaxPerPass ({ReconcileMaxPerPass}) must be at least StateSync:ReconcilePageSize ({ReconcilePageSize}).");
        if (EventBatchSize is < 1 or > 10_000) throw new InvalidOperationException($"StateSync:EventBatchSize is {EventBatchSize}; it must be between 1 and 10000.");
        if (PollInterval <= TimeSpan.Zero || ReconcileInterval <= TimeSpan.Zero || RetryBaseDelay <= TimeSpan.Zero || RetryMaxDelay < RetryBaseDelay)
            throw new InvalidOperationException("StateSync intervals must be positive and RetryMaxDelay at least RetryBaseDelay.");
        if (EventBlock < TimeSpan.FromMilliseconds(10) || EventBlock > TimeSpan.FromSeconds(30))
            throw new InvalidOperationException($"StateSync:EventBlock is {EventBlock}; it must be between 10 ms and 30 s.");
        if (ClaimMinIdle <= TimeSpan.Zero) throw new InvalidOperationException("StateSync:ClaimMinIdle must be positive.");
        if (string.IsNullOrWhiteSpace(ConsumerGroup) || string.IsNullOrWhiteSpace(ConsumerName))
            throw new InvalidOperationException("StateSync:ConsumerGroup and StateSync:ConsumerName must not be empty.");
    }

    /// <summary>base x 2^(failures-1), capped at <see cref="RetryMaxDelay"/>.</summary>
    internal TimeSpan Backoff(int failures)
        => TimeSpan.FromMilliseconds(Math.Min(RetryMaxDelay.TotalMilliseconds, RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(failures - 1, 0, 30))));
}
