using System.Net;
using System.Net.Sockets;

namespace Vpn.Perf.Testing;

/// <summary>
/// A TCP forwarder between a service under test and one real server (Redis or ClickHouse) that simulates faults
/// without touching the shared server. <see cref="Block"/> resets every open connection and answers each new one with
/// an immediate reset; <see cref="Unblock"/> forwards again. <see cref="Pause"/> holds the bytes the client sends (a
/// slow server) until <see cref="Resume"/>; <see cref="PauseOnAsync"/> does so at a chosen request (e.g. the first
/// ClickHouse INSERT), which places a test between two steps of the client; <see cref="PauseReplies"/> lets requests
/// through and holds the answers (a server that acted but whose answer is late). Listens on 127.0.0.1 at an ephemeral
/// port. Compiled into each test project
/// that needs it (linked from tests/Shared).
/// </summary>
internal sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Socket> _open = [];
    private readonly Task _acceptLoop;
    private bool _blocked;
    private TaskCompletionSource _gate = NewOpenGate();
    private TaskCompletionSource _replyGate = NewOpenGate();
    private byte[]? _pauseMarker;
    private TaskCompletionSource? _paused;

    public TcpFaultProxy(string targetHost, int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Parse(targetHost), targetPort);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>Connections accepted so far (blocked ones included): lets a test see that its client did try.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    private int _accepted;

    public bool IsBlocked
    {
        get
        {
            lock (_lock) return _blocked;
        }
    }

    /// <summary>Drops all current connections (RST) and resets new ones until <see cref="Unblock"/>.</summary>
    public void Block()
    {
        Socket[] open;
        lock (_lock)
        {
            _blocked = true;
            open = [.. _open];
            _open.Clear();
        }
        foreach (Socket s in open) Reset(s);
    }

    /// <summary>Bytes from the client are held (not lost) until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        lock (_lock)
        {
            if (_gate.Task.IsCompleted) _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Bytes from the server are held (not lost) until <see cref="Resume"/>.</summary>
    public void PauseReplies()
    {
        lock (_lock)
        {
            if (_replyGate.Task.IsCompleted) _replyGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Releases what <see cref="Pause"/> and <see cref="PauseReplies"/> hold.</summary>
    public void Resume()
    {
        lock (_lock)
        {
            _gate.TrySetResult();
            _replyGate.TrySetResult();
        }
    }

    /// <summary>
    /// Arms a one-time pause: the first chunk a client sends that contains <paramref name="marker"/> (ASCII) is held, with
    /// everything sent after it, as by <see cref="Pause"/>, before any of it reaches the server. Completes once that chunk
    /// is held, so the test knows the client is waiting right there; <see cref="Resume"/> lets it through.
    /// A request line and its headers go out in one write, so a marker in them (<c>query=INSERT</c>) is never split.
    /// </summary>
    public Task PauseOnAsync(string marker)
    {
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _pauseMarker = System.Text.Encoding.ASCII.GetBytes(marker);
            _paused = paused;
        }
        return paused.Task;
    }

    /// <summary>Disarms a pause <see cref="PauseOnAsync"/> armed that no chunk has met yet; its task never completes.</summary>
    public void Disarm()
    {
        lock (_lock)
        {
            _pauseMarker = null;
            _paused = null;
        }
    }

    /// <summary>Closes the gate if <paramref name="chunk"/> carries the armed marker (then disarms it).</summary>
    private void PauseIfMarked(ReadOnlySpan<byte> chunk)
    {
        TaskCompletionSource? paused = null;
        lock (_lock)
        {
            if (_pauseMarker is null || chunk.IndexOf(_pauseMarker) < 0) return;
            _pauseMarker = null;
            if (_gate.Task.IsCompleted) _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            paused = _paused;
            _paused = null;
        }
        paused?.TrySetResult();
    }

    private static TaskCompletionSource NewOpenGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    public void Unblock()
    {
        lock (_lock) _blocked = false;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        if (IsBlocked)
        {
            Reset(client);
            return;
        }
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await upstream.ConnectAsync(_target, _stopping.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            Reset(client);
            upstream.Dispose();
            return;
        }
        lock (_lock)
        {
            // Block() may have run while we were connecting: it must not miss this pair.
            if (!_blocked)
            {
                _open.Add(client);
                _open.Add(upstream);
            }
        }
        if (IsBlocked && !IsTracked(client))
        {
            Reset(client);
            Reset(upstream);
            return;
        }
        Task a = PumpAsync(client, upstream, fromClient: true);
        Task b = PumpAsync(upstream, client, fromClient: false);
        await Task.WhenAny(a, b);
        // One side ended: end the other too, so neither end waits on a half-open pair.
        lock (_lock)
        {
            _open.Remove(client);
            _open.Remove(upstream);
        }
        Reset(client);
        Reset(upstream);
        await Task.WhenAll(a, b);
    }

    private bool IsTracked(Socket s)
    {
        lock (_lock) return _open.Contains(s);
    }

    private async Task PumpAsync(Socket from, Socket to, bool fromClient)
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }
                if (fromClient) PauseIfMarked(buffer.AsSpan(0, n));
                Task gate;
                lock (_lock) gate = fromClient ? _gate.Task : _replyGate.Task;
                await gate;
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Closes with linger 0, so the peer sees a reset at once rather than a graceful end of stream.</summary>
    private static void Reset(Socket s)
    {
        try
        {
            s.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        s.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        Resume();
        Block();
        await _acceptLoop;
        _stopping.Dispose();
    }
}
