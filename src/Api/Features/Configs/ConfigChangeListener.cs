using Microsoft.Extensions.Options;
using Npgsql;

namespace Vpn.Perf.Api.Features.Configs;

/// <summary>
/// Keeps <see cref="ConfigCache"/> exact: LISTENs on <c>config_changed</c> (sent by the triggers of migration 0007)
/// and evicts the ids named, or everything on <c>*</c>. The cache only stores while this connection is up; when it
/// drops, the cache is cleared and switched off until a new LISTEN is in place, since changes in between are lost.
/// </summary>
internal sealed class ConfigChangeListener(NpgsqlDataSource db, ConfigCache cache, IOptions<ConfigOptions> options, TimeProvider time,
    ILogger<ConfigChangeListener> logger) : BackgroundService
{
    public const string Channel = "config_changed";

    /// <summary>Shown in pg_stat_activity, so an operator (and a test) can tell this connection from pooled ones.</summary>
    public const string ApplicationName = "vpn-perf-config-listener";

    private const string ListenSql = "set application_name = 'vpn-perf-config-listener'; listen config_changed";

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TimeSpan delay = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                cache.SetListening(false);
                ConfigsLog.ListenLost(logger, ex, delay);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
                continue;
            }
        }
        cache.SetListening(false);
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        await using NpgsqlConnection connection = await db.OpenConnectionAsync(ct);
        connection.Notification += OnNotification;
        try
        {
            await using (var cmd = new NpgsqlCommand(ListenSql, connection))
            {
                await cmd.ExecuteNonQueryAsync(ct);
            }
            // Whatever was cached before this LISTEN may have missed a change.
            cache.SetListening(true);
            ConfigsLog.Listening(logger);
            while (true)
            {
                if (await connection.WaitAsync(options.Value.ListenProbeInterval, ct)) continue;
                // Silence: make sure the peer is still there (a dead host does not always reset the socket).
                await using var probe = new NpgsqlCommand("select 1", connection) { CommandTimeout = 10 };
                await probe.ExecuteScalarAsync(ct);
            }
        }
        finally
        {
            cache.SetListening(false);
            connection.Notification -= OnNotification;
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        string payload = e.Payload;
        if (payload == "*")
        {
            cache.Clear();
            return;
        }
        foreach (Range range in payload.AsSpan().Split(','))
        {
            if (Guid.TryParse(payload.AsSpan(range), out Guid id)) cache.Evict(id);
        }
    }
}
