using System.Net;
using System.Net.Sockets;

namespace Vpn.Perf.Api.Tests.Features.StateSync;

/// <summary>
/// A TCP forwarder between the Api and the real Redis that simulates faults without touching the shared server
/// (after tests/Vpn.Perf.Ingest.Tests/Faults/TcpFaultProxy.cs). <see cref="Block"/> resets every connection and
/// each new one until <see cref="Unblock"/>; <see cref="Pause"/> holds the bytes the Api sends (a slow server)
/// until <see cref="Resume"/>. Listens on 127.0.0.1 at an ephemeral port.
/// </summary>
internal sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Socket> _open = [];
    private readonly Task _acceptLoop;
    private TaskCompletionSource _gate = NewOpenGate();
    private bool _blocked;

    public TcpFaultProxy(string targetHost, int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Parse(targetHost), targetPort);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

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

    public void Unblock()
    {
        lock (_lock) _blocked = false;
    }

    /// <summary>Bytes from the client are held (not lost) until <see cref="Resume"/>.</summary>
    public void Pause()
    {
        lock (_lock)
        {
            if (_gate.Task.IsCompleted) _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Resume()
    {
        lock (_lock) _gate.TrySetResult();
    }

    private static TaskCompletionSource NewOpenGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
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
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        lock (_lock)
        {
            if (!_blocked)
            {
                _open.Add(client);
                _open.Add(upstream);
            }
        }
        if (!IsTracked(client))
        {
            Reset(client);
            upstream.Dispose();
            return;
        }
        try
        {
            await upstream.ConnectAsync(_target, _stopping.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            Reset(client);
            Reset(upstream);
            return;
        }
        Task a = PumpAsync(client, upstream, gated: true);
        Task b = PumpAsync(upstream, client, gated: false);
        await Task.WhenAny(a, b);
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

    private async Task PumpAsync(Socket from, Socket to, bool gated)
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
                if (gated)
                {
                    Task gate;
                    lock (_lock) gate = _gate.Task;
                    await gate;
                }
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
