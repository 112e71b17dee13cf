using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// A RESP2 client multiplexing pipelined commands over <see cref="RedisOptions.ConnectionCount"/> connections.
/// <para>
/// Each connection slot is kept alive by a supervisor: connect (AUTH, SELECT, PING), serve until the connection fails,
/// then reconnect with exponential backoff and jitter. While a slot is down its commands are not queued: with no
/// connected slot a command fails at once with <see cref="RedisConnectionException"/>, and with
/// <see cref="RedisOptions.MaxPendingCommands"/> outstanding it fails at once with <see cref="RedisBusyException"/>.
/// Callers map both to 503 with Retry-After.
/// </para>
/// <para>
/// Thread-safe. Commands are sent in submission order per connection; two commands that must run in order must be
/// awaited one after the other (or go in one script), since consecutive submissions may take different connections.
/// </para>
/// </summary>
public sealed partial class RedisClient : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly ILogger _logger;
    private readonly PendingBudget _budget;
    private readonly RedisConnection?[] _connections;
    private readonly TaskCompletionSource<Exception?>[] _firstAttempts;
    private readonly Task[] _supervisors;
    private readonly CancellationTokenSource _disposing = new();
    private Exception? _lastError;
    private int _nextSlot;
    private int _disposed;

    /// <summary>
    /// Creates the client and starts connecting in the background; commands fail with
    /// <see cref="RedisConnectionException"/> until a connection is up. Use <see cref="ConnectAsync"/> to wait for it.
    /// </summary>
    public RedisClient(RedisOptions options, ILogger<RedisClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _budget = new PendingBudget(options.MaxPendingCommands);
        _connections = new RedisConnection?[options.ConnectionCount];
        _firstAttempts = new TaskCompletionSource<Exception?>[options.ConnectionCount];
        _supervisors = new Task[options.ConnectionCount];
        for (int slot = 0; slot < _supervisors.Length; slot++)
        {
            _firstAttempts[slot] = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
            int captured = slot;
            _supervisors[slot] = Task.Run(() => SuperviseAsync(captured));
        }
    }

    /// <summary>
    /// Creates the client and waits until every connection has completed its first attempt; throws
    /// <see cref="RedisConnectionException"/> (and disposes the client) when any of them failed.
    /// </summary>
    public static async Task<RedisClient> ConnectAsync(RedisOptions options, ILogger<RedisClient>? logger, CancellationToken ct)
    {
        var client = new RedisClient(options, logger);
        try
        {
            for (int slot = 0; slot < client._firstAttempts.Length; slot++)
            {
                Exception? error = await client._firstAttempts[slot].Task.WaitAsync(ct).ConfigureAwait(false);
                if (error is not null)
                    throw error as RedisConnectionException ?? new RedisConnectionException(error.Message, error);
            }
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public RedisOptions Options => _options;

    /// <summary>True while at least one connection is up: the health check's answer.</summary>
    public bool IsConnected => ConnectedCount > 0;

    /// <summary>Connections currently up, out of <see cref="RedisOptions.ConnectionCount"/>.</summary>
    public int ConnectedCount
    {
        get
        {
            int up = 0;
            for (int i = 0; i < _connections.Length; i++)
            {
                if (Volatile.Read(ref _connections[i]) is { IsOpen: true })
                    up++;
            }
            return up;
        }
    }

    /// <summary>Commands queued or awaiting replies right now.</summary>
    public int PendingCount => _budget.Count;

    /// <summary>
    /// Sends <paramref name="command"/> and returns its reply. Takes the command's buffer (it goes back to the pool
    /// once written); <paramref name="command"/> is left empty and may be <see cref="RespCommand.Reset"/> at once.
    /// An error reply throws <see cref="RedisServerException"/>; see the class remarks for the other failures.
    /// </summary>
    public ValueTask<RespValue> ExecuteAsync(RespCommand command, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(command);
        return ExecuteAsync(command.Detach(), ct);
    }

    /// <summary>
    /// Sends EVALSHA built by <see cref="RedisScript.CreateCommand"/>; on NOSCRIPT loads the script and retries once
    /// with the same bytes. The script has not run when NOSCRIPT comes back, so the retry cannot apply it twice.
    /// </summary>
    public async ValueTask<RespValue> EvalShaAsync(RedisScript script, RespCommand command, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(script);
        ArgumentNullException.ThrowIfNull(command);
        if (!ReferenceEquals(command.Script, script))
        {
            throw new ArgumentException(
                "The command must be started by this script's CreateCommand or ResetCommand.", nameof(command));
        }
        // Our own reference keeps the bytes for the retry; each submission takes one more and the writer drops it.
        RespPayload payload = command.Detach();
        try
        {
            try
            {
                payload.AddReference();
                return await ExecuteAsync(payload, ct).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.IsNoScript)
            {
                // Unknown to this server (restart, failover, SCRIPT FLUSH): load it below and retry once.
            }
            await ScriptLoadAsync(script, ct).ConfigureAwait(false);
            payload.AddReference();
            return await ExecuteAsync(payload, ct).ConfigureAwait(false);
        }
        finally
        {
            payload.Release();
        }
    }

    /// <summary>SCRIPT LOAD; checks the server's SHA1 against ours.</summary>
    public async ValueTask ScriptLoadAsync(RedisScript script, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(script);
        var command = new RespCommand(RespCommands.Script, script.Source.Length + 64).Arg(RespCommands.Load).Arg(script.Source);
        RespValue sha = await ExecuteAsync(command, ct).ConfigureAwait(false);
        if (!string.Equals(sha.AsString(), script.Sha1, StringComparison.Ordinal))
            throw new RedisException($"SCRIPT LOAD returned SHA1 {sha}, expected {script.Sha1}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _disposing.CancelAsync().ConfigureAwait(false);
        for (int i = 0; i < _connections.Length; i++)
        {
            if (Interlocked.Exchange(ref _connections[i], null) is { } connection)
                await connection.DisposeAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(_supervisors).ConfigureAwait(false);
        _disposing.Dispose();
    }

    private ValueTask<RespValue> ExecuteAsync(RespPayload payload, CancellationToken ct)
    {
        RedisConnection? connection = PickConnection();
        if (connection is null)
        {
            payload.Release();
            return ValueTask.FromException<RespValue>(NotConnected());
        }
        return connection.ExecuteAsync(payload, ct);
    }

    /// <summary>The open connection with the fewest pending commands, starting the scan round-robin to spread ties.</summary>
    private RedisConnection? PickConnection()
    {
        RedisConnection?[] connections = _connections;
        if (connections.Length == 1)
            return Volatile.Read(ref connections[0]) is { IsOpen: true } only ? only : null;
        int start = (int)((uint)Interlocked.Increment(ref _nextSlot) % (uint)connections.Length);
        RedisConnection? best = null;
        int bestPending = int.MaxValue;
        for (int i = 0; i < connections.Length; i++)
        {
            int slot = start + i;
            if (slot >= connections.Length)
                slot -= connections.Length;
            RedisConnection? candidate = Volatile.Read(ref connections[slot]);
            if (candidate is { IsOpen: true } && candidate.PendingCount < bestPending)
            {
                best = candidate;
                bestPending = candidate.PendingCount;
            }
        }
        return best;
    }

    private RedisConnectionException NotConnected()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        Exception? last = Volatile.Read(ref _lastError);
        return new RedisConnectionException(last is null
            ? $"Not connected to Redis at {_options.EndPointText}; connecting."
            : $"Not connected to Redis at {_options.EndPointText}; reconnecting after: {last.Message}");
    }

    /// <summary>Keeps one connection slot alive until the client is disposed.</summary>
    private async Task SuperviseAsync(int slot)
    {
        CancellationToken ct = _disposing.Token;
        int failures = 0;
        while (!ct.IsCancellationRequested)
        {
            RedisConnection connection;
            try
            {
                connection = await RedisConnection.ConnectAsync(_options, _budget, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Loop boundary (STYLE 4): log and retry; the first failure also answers ConnectAsync.
                Volatile.Write(ref _lastError, ex);
                _firstAttempts[slot].TrySetResult(ex);
                TimeSpan delay = Backoff(failures++);
                RedisLog.ConnectFailed(_logger, slot, _options.EndPointText, failures, (long)delay.TotalMilliseconds, ex.Message);
                if (!await DelayAsync(delay, ct).ConfigureAwait(false))
                    break;
                continue;
            }
            failures = 0;
            Volatile.Write(ref _connections[slot], connection);
            if (ct.IsCancellationRequested)
            {
                // DisposeAsync may have swept the slots just before we filled this one.
                Interlocked.CompareExchange(ref _connections[slot], null, connection);
                await connection.DisposeAsync().ConfigureAwait(false);
                break;
            }
            RedisLog.Connected(_logger, slot, _options.EndPointText);
            _firstAttempts[slot].TrySetResult(null);

            Exception reason = await connection.Closed.ConfigureAwait(false);
            Interlocked.CompareExchange(ref _connections[slot], null, connection);
            await connection.DisposeAsync().ConfigureAwait(false);
            if (ct.IsCancellationRequested)
                break;
            Volatile.Write(ref _lastError, reason);
            RedisLog.Disconnected(_logger, slot, _options.EndPointText, reason.Message);
            // Even after a healthy connection drops, wait a jittered base delay: N clients (and N slots) that lost
            // the server together should not all reconnect in the same millisecond.
            if (!await DelayAsync(Backoff(0), ct).ConfigureAwait(false))
                break;
        }
        _firstAttempts[slot].TrySetResult(new RedisConnectionException("The Redis client was disposed."));
    }

    /// <summary>base x 2^attempt capped at the maximum, then "equal jitter": half fixed, half random.</summary>
    private TimeSpan Backoff(int attempt)
    {
        double capped = Math.Min(_options.ReconnectMaxDelay.TotalMilliseconds,
            _options.ReconnectBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
#pragma warning disable CA5394 // Jitter spreads reconnects; it needs no unpredictability.
        return TimeSpan.FromMilliseconds(capped / 2 + Random.Shared.NextDouble() * capped / 2);
#pragma warning restore CA5394
    }

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, _options.TimeProvider, ct).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
    }
}
