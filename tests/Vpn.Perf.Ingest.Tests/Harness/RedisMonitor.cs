using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>
/// A Redis <c>MONITOR</c> connection of its own: counts the commands the server received, which no reply shows (for
/// example that two requests shared one read). Reading stops at a marker command the test sends after the work.
/// A plain socket, since StackExchange.Redis has no MONITOR: after <c>+OK</c> the server sends one line per command.
/// </summary>
internal sealed class RedisMonitor : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;

    private RedisMonitor(TcpClient tcp, StreamReader reader)
    {
        _tcp = tcp;
        _reader = reader;
    }

    public static async Task<RedisMonitor> StartAsync()
    {
        TestServers.RedisServer server = TestServers.RedisBase;
        var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        NetworkStream stream = tcp.GetStream();
        string auth = server.Password is not { } password ? "" : server.User is { } user ? $"AUTH {user} {password}\r\n" : $"AUTH {password}\r\n";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(auth + "MONITOR\r\n"));
        var reader = new StreamReader(stream, Encoding.UTF8);
        // +OK for AUTH (when sent) and for MONITOR: from here on every line is one command the server ran.
        for (int oks = auth.Length > 0 ? 2 : 1; oks > 0; oks--)
        {
            string? line = await reader.ReadLineAsync();
            if (line != "+OK") throw new InvalidOperationException($"MONITOR was refused: {line}");
        }
        return new RedisMonitor(tcp, reader);
    }

    /// <summary>
    /// Sends <c>EXISTS</c> of a fresh marker key through <paramref name="redis"/>, then counts the monitored lines before
    /// it that name <paramref name="command"/> and contain <paramref name="text"/>.
    /// </summary>
    public async Task<int> CountAsync(IDatabase redis, string command, string text)
    {
        string marker = "monitor-marker-" + Guid.NewGuid().ToString("N");
        await redis.KeyExistsAsync(marker);
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
