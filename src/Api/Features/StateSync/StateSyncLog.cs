namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>Log messages of the state sync loops.</summary>
internal static partial class StateSyncLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Published {Count} subscription state(s) from the outbox")]
    public static partial void Published(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox dispatch failed (attempt {Attempt}, retrying in {DelayMs} ms; the rows stay queued): {Error}")]
    public static partial void DispatchFailed(ILogger logger, int attempt, long delayMs, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox dispatch recovered after {Attempts} failed attempt(s)")]
    public static partial void DispatcherRecovered(ILogger logger, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Over-limit check after {Source} failed; the reconciler repeats it: {Error}")]
    public static partial void OverLimitCheckFailed(ILogger logger, string source, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Subscription {SubscriptionId} over limit = {OverLimit} (used {Used} of {Limit} bytes, -1 = unlimited; from {Source})")]
    public static partial void OverLimitChanged(ILogger logger, Guid subscriptionId, bool overLimit, long used, long limit, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciler pass failed; the next pass retries: {Error}")]
    public static partial void ReconcileFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciler pass: {Seen} subscription(s) compared, {Repaired} re-enqueued, {Flags} over-limit flag(s) changed")]
    public static partial void ReconcilePass(ILogger logger, int seen, int repaired, int flags);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciler found {Count} subscription state hash(es) missing or different from Postgres; re-enqueued")]
    public static partial void DriftRepaired(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Over-limit consumer failed (attempt {Attempt}, retrying in {DelayMs} ms; unacknowledged events are read again): {Error}")]
    public static partial void ConsumerFailed(ILogger logger, int attempt, long delayMs, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Over-limit consumer recovered after {Attempts} failed attempt(s)")]
    public static partial void ConsumerRecovered(ILogger logger, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Over-limit event {EntryId} on {Stream} has no valid subscription id; acknowledged and skipped")]
    public static partial void MalformedEvent(ILogger logger, string stream, string entryId);
}
