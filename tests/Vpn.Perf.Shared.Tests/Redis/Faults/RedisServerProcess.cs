using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vpn.Perf.Shared.Tests.Redis.Faults;

/// <summary>
/// A private <c>redis-server</c> on a free loopback port, for the faults no proxy can fake and no test may cause on the
/// shared server: a real crash and restart (which also empties the server's script cache) and <c>SCRIPT FLUSH</c>.
/// No persistence, so a restart starts empty; its working directory is a temporary one, deleted at dispose.
/// </summary>
internal sealed class RedisServerProcess : IAsyncDisposable
{
    /// <summary>Upper bound for starting or stopping, so a broken server fails the test rather than hanging it.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly string _directory;
    private Process? _process;

    private RedisServerProcess(int port, string directory)
    {
        Port = port;
        _directory = directory;
    }

    public int Port { get; }

    /// <summary>A port nothing listens on yet; the server starts on it at <see cref="StartAsync"/>.</summary>
    public static RedisServerProcess Reserve()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new RedisServerProcess(port, Directory.CreateTempSubdirectory("vpnperf-redis-").FullName);
    }

    public static async Task<RedisServerProcess> StartNewAsync()
    {
        RedisServerProcess server = Reserve();
        await server.StartAsync();
        return server;
    }

    /// <summary>Starts (or starts again, on the same port) and returns once it accepts connections.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false }) throw new InvalidOperationException("The private Redis is already running.");
        _process?.Dispose();
        var start = new ProcessStartInfo("redis-server")
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", _directory])
        {
            start.ArgumentList.Add(arg);
        }
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                "These tests start a private redis-server, which is not installed here: `apt-get install redis-server` " +
                $"(the test command installs it when it runs Redis itself: `{RedisTestServer.StartCommand}`).", ex);
        }
        // Its log is not needed, but an unread pipe would eventually block it.
        _process.OutputDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();

        using var guard = new CancellationTokenSource(Guard);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with {_process.ExitCode} on port {Port}.");
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, Port, guard.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(10, guard.Token);
            }
        }
    }

    /// <summary>Kills the server (SIGKILL, as a crash) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } process) return;
        process.Kill();
        using var guard = new CancellationTokenSource(Guard);
        await process.WaitForExitAsync(guard.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp directory is not a test failure
        }
    }
}
