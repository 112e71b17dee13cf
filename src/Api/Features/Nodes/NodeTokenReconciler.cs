using StackExchange.Redis;

namespace Vpn.Perf.Api.Features.Nodes;

/// <summary>
/// Runs <see cref="NodeTokenPublication.ReconcileAsync"/> at start-up and every
/// <see cref="NodesOptions.TokenReconcileInterval"/>: the path by which a token committed in Postgres but not
/// published to Redis (Redis down, process crash between commit and publish) reaches Ingest, and a revoked or
/// deleted token's key leaves Redis.
/// </summary>
internal sealed partial class NodeTokenReconciler(NodeTokenPublication tokens, IDatabase redis, NodesOptions options, TimeProvider time,
    ILogger<NodeTokenReconciler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan interval = options.TokenReconcileInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                int writes = await tokens.ReconcileAsync(redis, stoppingToken);
                if (writes > 0) Reconciled(logger, writes);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Loop boundary (STYLE 4): Redis or Postgres is down; the next pass retries from Postgres's state.
                ReconcileFailed(logger, (long)interval.TotalMilliseconds, ex);
            }
            if (interval <= TimeSpan.Zero) return;
            try
            {
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Node token reconciler made {Writes} Redis write(s) to match node_tokens.")]
    private static partial void Reconciled(ILogger logger, int writes);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Node token reconciliation failed; retrying in {IntervalMs} ms (Nodes:TokenReconcileInterval).")]
    private static partial void ReconcileFailed(ILogger logger, long intervalMs, Exception exception);
}
