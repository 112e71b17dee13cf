using Npgsql;

namespace Vpn.Perf.Api.Data;

/// <summary>
/// One LISTEN connection kept open for a cache that NOTIFY keeps exact: it reconnects with backoff, probes a
/// silent connection (a dead host does not always reset the socket), and tells the cache when invalidations start
/// and stop arriving, since changes made while the connection was down are never heard.
/// </summary>
internal abstract partial class NotificationListener(NpgsqlDataSource db, TimeProvider time, ILogger logger) : BackgroundService
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary><c>set application_name = '…'; listen …</c>, a constant of the subclass.</summary>
    protected abstract string ListenSql { get; }

    protected abstract string Channel { get; }

    protected abstract TimeSpan ProbeInterval { get; }

    /// <summary>True once the LISTEN is in place (the cache starts from nothing), false the moment it is lost.</summary>
    protected abstract void SetListening(bool listening);

    /// <summary>Raised on this loop's own reads of the connection, so never concurrently with itself or <see cref="CatchUpAsync"/>.</summary>
    protected abstract void OnNotification(string channel, string payload);

    /// <summary>
    /// Work a cache does on the LISTEN connection itself: once right after the LISTEN, before <see cref="SetListening"/>
    /// (<paramref name="listenedNow"/> true), and after every wake-up that brought notifications. None by default.
    /// </summary>
    protected virtual Task CatchUpAsync(NpgsqlConnection connection, bool listenedNow, CancellationToken ct) => Task.CompletedTask;

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
                SetListening(false);
                LogListenLost(logger, ex, Channel, delay);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
        SetListening(false);
    }

    private async Task ListenAsync(CancellationToken ct)
    {
        await using NpgsqlConnection connection = await db.OpenConnectionAsync(ct);
        connection.Notification += Notified;
        try
        {
            await using (var cmd = new NpgsqlCommand(ListenSql, connection))
            {
                await cmd.ExecuteNonQueryAsync(ct);
            }
            await CatchUpAsync(connection, listenedNow: true, ct);
            SetListening(true);
            LogListening(logger, Channel);
            while (true)
            {
                if (await connection.WaitAsync(ProbeInterval, ct))
                {
                    await CatchUpAsync(connection, listenedNow: false, ct);
                    continue;
                }
                // Silence: make sure the peer is still there.
                await using var probe = new NpgsqlCommand("select 1", connection) { CommandTimeout = 10 };
                await probe.ExecuteScalarAsync(ct);
            }
        }
        finally
        {
            SetListening(false);
            connection.Notification -= Notified;
        }
    }

    private void Notified(object sender, NpgsqlNotificationEventArgs e) => OnNotification(e.Channel, e.Payload);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening on {Channel}; its cache starts empty")]
    private static partial void LogListening(ILogger logger, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Channel} LISTEN connection was lost; its cache is cleared and stays off until it is back (retry in {Delay})")]
    private static partial void LogListenLost(ILogger logger, Exception exception, string channel, TimeSpan delay);
}
