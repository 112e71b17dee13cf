using Npgsql;

namespace Vpn.Perf.Api.Features.Billing.Lifecycle;

/// <summary>
/// Records <c>subscription.expired</c> once for each paid subscription whose period has ended. Nothing depends on
/// it for correctness: <c>GET /s/{token}</c>, node sync and the subscription reads judge expiry per request against
/// the clock, so a subscription is expired the moment it expires whether or not this job has run.
/// </summary>
internal sealed class ExpiryJob(NpgsqlDataSource db, BillingOptions options, TimeProvider time, ILogger<ExpiryJob> logger) : BackgroundService
{
    /// <summary>One pass; returns how many expiries it recorded (the job loops until a pass records fewer than a batch).</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        int total = 0;
        while (true)
        {
            int noted = await LifecycleStore.NoteExpiredAsync(db, time.GetUtcNow(), options.ExpiryJobBatchSize, ct);
            total += noted;
            if (noted < options.ExpiryJobBatchSize) return total;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ExpiryJobInterval, time);
        do
        {
            try
            {
                int noted = await RunOnceAsync(stoppingToken);
                if (noted > 0) BillingLog.ExpiriesRecorded(logger, noted);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                BillingLog.ExpiryPassFailed(logger, ex, options.ExpiryJobInterval);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
