using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Vpn.Perf.Shared.Redis;

/// <summary>
/// One socket to Redis with one writer loop and one reader loop (STYLE 3.9).
/// <para>
/// Commands enter a bounded channel; the writer drains every command available into the pipe and flushes once, which
/// is the pipelining. Before its bytes enter the pipe a command joins the in-flight queue, so the reader, which parses
/// replies as they arrive, always finds the command a reply belongs to at the head of that queue (Redis answers in
/// order). An error reply fails that one command. A protocol violation, a closed or broken socket, or an oldest
/// command older than the command timeout fails the connection: every queued and in-flight command fails with
/// <see cref="RedisConnectionException"/> and the owning client reconnects.
/// </para>
/// </summary>
internal sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly PendingBudget _budget;
    private readonly Socket _socket;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Channel<PendingCommand> _outbox;
    private readonly Queue<PendingCommand> _inflight = new();
    private readonly Lock _inflightLock = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer _watchdog;
    private Exception? _failure;
    private int _pending;
    private int _disposed;
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;

    private RedisConnection(Socket socket, RedisOptions options, PendingBudget budget)
    {
        _socket = socket;
        _options = options;
        _budget = budget;
        var stream = new NetworkStream(socket, ownsSocket: true);
        // 16 KiB reads: a typical script reply is a few hundred bytes, and large bulk replies simply span segments.
        _input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024));
        _output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024));
        // Capacity is a backstop only: the client's PendingBudget already bounds commands in flight, so TryWrite
        // fails only after the channel is completed (the connection failed).
        _outbox = Channel.CreateBounded<PendingCommand>(new BoundedChannelOptions(budget.Max)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // Check the oldest command four times per timeout: a stuck connection is noticed within 1.25 x the timeout.
        TimeSpan period = TimeSpan.FromTicks(Math.Clamp(options.CommandTimeout.Ticks / 4,
            TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
        _watchdog = options.TimeProvider.CreateTimer(static state => ((RedisConnection)state!).CheckOldestCommand(),
            this, period, period);
    }

    /// <summary>Completes, with the reason, when the connection has failed or was disposed.</summary>
    public Task<Exception> Closed => _closed.Task;

    /// <summary>False from the moment the connection starts failing.</summary>
    public bool IsOpen => Volatile.Read(ref _failure) is null;

    /// <summary>Commands queued or awaiting replies on this connection (for least-pending selection).</summary>
    public int PendingCount => Volatile.Read(ref _pending);

    /// <summary>
    /// Connects and runs the handshake (AUTH, SELECT, PING, pipelined) within <see cref="RedisOptions.ConnectTimeout"/>.
    /// </summary>
    public static async Task<RedisConnection> ConnectAsync(RedisOptions options, PendingBudget budget, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(options.ConnectTimeout, options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        RedisConnection? connection = null;
        try
        {
            EndPoint endPoint = IPAddress.TryParse(options.Host, out IPAddress? address)
                ? new IPEndPoint(address, options.Port)
                : new DnsEndPoint(options.Host, options.Port);
            await socket.ConnectAsync(endPoint, linked.Token).ConfigureAwait(false);
            connection = new RedisConnection(socket, options, budget);
            connection.Start();
            await connection.HandshakeAsync(linked.Token).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            if (connection is not null)
                await connection.DisposeAsync().ConfigureAwait(false);
            else
                socket.Dispose();
            string reason = timeout.IsCancellationRequested
                ? $"no answer within {options.ConnectTimeout.TotalMilliseconds:0} ms (RedisOptions.ConnectTimeout)"
                : ex.Message;
            throw new RedisConnectionException($"Cannot connect to Redis at {options.EndPointText}: {reason}", ex);
        }
        catch
        {
            if (connection is not null)
                await connection.DisposeAsync().ConfigureAwait(false);
            else
                socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Queues a command; takes over one reference to <paramref name="payload"/>. Never throws: refusals (busy,
    /// disconnected, cancelled) come back as a faulted task so that a caller that submits several commands before
    /// awaiting them sees each outcome at its await.
    /// </summary>
    public ValueTask<RespValue> ExecuteAsync(RespPayload payload, CancellationToken ct)
    {
        if (!_budget.TryTake())
        {
            payload.Release();
            return ValueTask.FromException<RespValue>(new RedisBusyException(
                $"{_budget.Max} Redis commands are already pending (RedisOptions.MaxPendingCommands); retry later."));
        }
        Interlocked.Increment(ref _pending);
        var command = new PendingCommand(payload, _options.TimeProvider.GetTimestamp());
        // Registered before the command is published, so the registration is in place before any thread can retire it.
        command.RegisterCancellation(ct);
        if (command.Task.IsCompleted || !_outbox.Writer.TryWrite(command))
        {
            command.TrySetException(NotConnected());
            Retire(command);
        }
        return new ValueTask<RespValue>(command.Task);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Fail(new RedisConnectionException($"The connection to Redis at {_options.EndPointText} was closed by the client."));
        await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
        await _watchdog.DisposeAsync().ConfigureAwait(false);
        _shutdown.Dispose();
    }

    private void Start()
    {
        _readLoop = Task.Run(ReadLoopAsync);
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    private async Task HandshakeAsync(CancellationToken ct)
    {
        if (_options.Password is not null)
        {
            var auth = new RespCommand(RespCommands.Auth);
            if (_options.User is not null)
                auth.Arg(_options.User);
            auth.Arg(_options.Password);
            await ExecuteAsync(auth.Detach(), ct).ConfigureAwait(false);
        }
        if (_options.Database != 0)
        {
            var select = new RespCommand(RespCommands.Select).Arg(_options.Database);
            await ExecuteAsync(select.Detach(), ct).ConfigureAwait(false);
        }
        // PING proves the peer speaks RESP before the client calls the connection usable.
        RespValue pong = await ExecuteAsync(new RespCommand(RespCommands.Ping).Detach(), ct).ConfigureAwait(false);
        if (!pong.IsSimpleString("PONG"))
            throw new RedisConnectionException($"Redis at {_options.EndPointText} answered PING with {pong}.");
    }

    /// <summary>Fails the connection once; later calls (from the other loop, the watchdog, dispose) do nothing.</summary>
    private void Fail(RedisConnectionException reason)
    {
        PendingCommand[] inflight;
        lock (_inflightLock)
        {
            if (_failure is not null)
                return;
            _failure = reason;
            inflight = _inflight.ToArray();
            _inflight.Clear();
        }
        // No new commands: ExecuteAsync's TryWrite now fails; the writer loop fails whatever is still queued.
        _outbox.Writer.TryComplete();
        for (int i = 0; i < inflight.Length; i++)
        {
            inflight[i].TrySetException(reason);
            Retire(inflight[i]);
        }
        try
        {
            _shutdown.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed already: both loops have ended.
        }
        // Closing the socket wakes a read or flush that ignores cancellation.
        _socket.Dispose();
        _watchdog.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _closed.TrySetResult(reason);
    }

    private void Retire(PendingCommand command)
    {
        command.Retire();
        Interlocked.Decrement(ref _pending);
        _budget.Return();
    }

    private RedisConnectionException NotConnected() =>
        Volatile.Read(ref _failure) as RedisConnectionException
        ?? new RedisConnectionException($"The connection to Redis at {_options.EndPointText} is closed.");

    private void CheckOldestCommand()
    {
        PendingCommand? oldest;
        lock (_inflightLock)
            _inflight.TryPeek(out oldest);
        if (oldest is null || _options.TimeProvider.GetElapsedTime(oldest.StartedAt) <= _options.CommandTimeout)
            return;
        Fail(new RedisConnectionException(
            $"Redis at {_options.EndPointText} did not reply within {_options.CommandTimeout.TotalMilliseconds:0} ms " +
            $"(RedisOptions.CommandTimeout) with {PendingCount} commands pending; the connection was dropped and will be re-established."));
    }
}
