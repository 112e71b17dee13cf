using Npgsql;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>
/// Publishes the subscriptions queued in <c>state_outbox</c> (by triggers, in the changing transaction) to Redis.
/// Wakes on <c>NOTIFY state_outbox</c>, every <see cref="StateSyncOptions.PollInterval"/> in case a notification was
/// missed, and after every (re)connect. Each batch is one transaction: claim rows (SKIP LOCKED), read their state,
/// publish, delete the rows that did not change meanwhile, commit. Nothing is deleted before Redis acknowledged, so a
/// Redis or Api failure leaves the rows for the next attempt (see docs/api-state-sync.md).
/// </summary>
internal sealed class OutboxDispatcher(
    NpgsqlDataSource db,
    StatePublisher publisher,
    OverLimitEvaluator overLimit,
    StateSyncOptions options,
    ReconcileTrigger reconcile,
    ILogger<OutboxDispatcher> logger) : BackgroundService
{
    public const string Channel = "state_outbox";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection listener = await db.OpenConnectionAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand("listen " + Channel, listener))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                while (true)
                {
                    // Drain first: on start and after a reconnect, notifications sent meanwhile were lost.
                    await DrainAsync(stoppingToken);
                    if (failures > 0)
                    {
                        StateSyncLog.DispatcherRecovered(logger, failures);
                        failures = 0;
                        // Redis may be back empty (a restart without persistence): repair now, not at the next period.
                        reconcile.Request();
                    }
                    // A notification that arrives during a drain stays buffered and ends this wait at once.
                    await listener.WaitAsync(options.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Loop boundary: Redis or Postgres is unreachable. The rows stay queued; retry with backoff.
                failures++;
                TimeSpan delay = options.Backoff(failures);
                StateSyncLog.DispatchFailed(logger, failures, (long)delay.TotalMilliseconds, ex.Message);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Publishes batches until the outbox has no unlocked rows left; returns how many subscriptions it published.</summary>
    internal async Task<int> DrainAsync(CancellationToken ct)
    {
        int total = 0;
        while (true)
        {
            (int claimed, List<SubscriptionStateRow> published) = await PublishBatchAsync(ct);
            total += claimed;
            if (published.Count > 0)
            {
                try
                {
                    // After the commit: the flag check may lock subscription rows and must not hold the outbox rows meanwhile.
                    await overLimit.CheckAsync(published, "dispatcher", ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The publish itself succeeded; the reconciler re-checks every flag on its next pass.
                    StateSyncLog.OverLimitCheckFailed(logger, "dispatcher", ex.Message);
                }
            }
            if (claimed < options.BatchSize) return total;
        }
    }

    private async Task<(int Claimed, List<SubscriptionStateRow> Published)> PublishBatchAsync(CancellationToken ct)
    {
        await using NpgsqlConnection conn = await db.OpenConnectionAsync(ct);
        await using NpgsqlTransaction tx = await conn.BeginTransactionAsync(ct);
        (List<SubscriptionStateRow> rows, List<DateTime> enqueuedAt) = await StateSyncStore.ClaimBatchAsync(conn, tx, options.BatchSize, ct);
        if (rows.Count == 0) return (0, rows);

        var changes = new KeyValuePair<Guid, SubscriptionState?>[rows.Count];
        for (int i = 0; i < rows.Count; i++) changes[i] = new(rows[i].Id, rows[i].State);
        await publisher.PublishSubscriptionsAsync(changes, ct);

        await StateSyncStore.DeletePublishedAsync(conn, tx, [.. rows.Select(r => r.Id)], [.. enqueuedAt], ct);
        await tx.CommitAsync(ct);
        StateSyncLog.Published(logger, rows.Count);
        return (rows.Count, rows);
    }
}
