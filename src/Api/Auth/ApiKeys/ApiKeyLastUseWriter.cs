namespace Vpn.Perf.Api.Auth.ApiKeys;

/// <summary>Writes <see cref="ApiKeyLastUse"/> every <see cref="ApiKeyOptions.LastUseFlushInterval"/>, and once more at shutdown.</summary>
internal sealed partial class ApiKeyLastUseWriter(ApiKeyLastUse lastUse, ApiKeyOptions options, TimeProvider time, ILogger<ApiKeyLastUseWriter> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.LastUseFlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await WriteAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        using var last = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await WriteAsync(last.Token);
    }

    private async Task WriteAsync(CancellationToken ct)
    {
        try
        {
            await lastUse.FlushAsync(ct);
        }
        catch (Exception ex)
        {
            LogWriteFailed(logger, ex, lastUse.Pending);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the last use of {Keys} API key(s) failed; retried at the next interval")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int keys);
}
