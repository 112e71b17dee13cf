using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>
/// A Redis <c>MONITOR</c> connection of its own to one server (in a Cluster, the node of the keys a test watches):
/// counts the commands that server received, which no reply shows (for example that two requests shared one read).
/// Reading stops at a marker command the test sends to the same server after the work. A plain socket, since
/// StackExchange.Redis has no MONITOR: after <c>+OK</c> the server sends one line per command.
/// </summary>
internal sealed class RedisMonitor : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;
    private readonly IServer _server;

    private RedisMonitor(TcpClient tcp, StreamReader reader, IServer server)
    {
        _tcp = tcp;
        _reader = reader;
        _server = server;
    }

    public static async Task<RedisMonitor> StartAsync(IServer server)
    {
        TestServers.RedisServer login = TestServers.RedisBase;
        (string host, int port) = server.EndPoint switch
        {
            IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            DnsEndPoint dns => (dns.Host, dns.Port),
            EndPoint other => throw new InvalidOperationException($"Unexpected Redis endpoint {other}."),
        };
        var tcp = new TcpClient();
        await tcp.ConnectAsync(host, port);
        NetworkStream stream = tcp.GetStream();
        string auth = login.Password is not { } password ? "" : login.User is { } user ? $"AUTH {user} {password}\r\n" : $"AUTH {password}\r\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(auth + "MONITOR\r\n"));
        var reader = new StreamReader(stream, Encoding.UTF8);
        // +OK for AUTH (when sent) and for MONITOR: from here on every line is one command the server ran.
        for (int oks = auth.Length > 0 ? 2 : 1; oks > 0; oks--)
        {
            string? line = await reader.ReadLineAsync();
            if (line != "+OK") throw new InvalidOperationException($"MONITOR was refused: {line}");
        }
        return new RedisMonitor(tcp, reader, server);
    }

    /// <summary>
    /// Sends <c>ECHO</c> of a fresh marker to the monitored server (a command without a key, so any Cluster node runs
    /// it), then counts the monitored lines before it that name <paramref name="command"/> and contain <paramref name="text"/>.
    /// </summary>
    public async Task<int> CountAsync(string command, string text)
    {
        string marker = "monitor-marker-" + Guid.NewGuid().ToString("N");
        await _server.ExecuteAsync("ECHO", marker);
        // Bounded only so that a broken server cannot hang the suite; the marker normally arrives at once.
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        int count = 0;
        while (await _reader.ReadLineAsync(stop.Token) is { } line)
        {
            if (line.Contains(marker, StringComparison.Ordinal)) return count;
            if (line.Contains($"\"{command}\"", StringComparison.OrdinalIgnoreCase) && line.Contains(text, StringComparison.Ordinal)) count++;
        }
        throw new InvalidOperationException("The MONITOR connection closed before the marker arrived.");
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
