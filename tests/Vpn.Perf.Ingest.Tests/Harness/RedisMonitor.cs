using System.Net.Sockets;
using System.Text;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Ingest.Tests.Harness;

/// <summary>
/// A Redis <c>MONITOR</c> connection of its own: counts the commands the server received, which no reply shows (for
/// example that two requests shared one read). Reading stops at a marker command the test sends after the work.
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

    public static async Task<RedisMonitor> StartAsync(RedisOptions options)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(options.Host, options.Port);
        NetworkStream stream = tcp.GetStream();
        string auth = options.Password is { } password ? $"AUTH {password}\r\n" : "";
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
    /// Sends <c>ECHO</c> with a fresh marker through <paramref name="client"/>, then counts the monitored lines before it
    /// that name <paramref name="command"/> and contain <paramref name="text"/>.
    /// </summary>
    public async Task<int> CountAsync(RedisClient client, string command, string text)
    {
        string marker = "monitor-marker-" + Guid.NewGuid().ToString("N");
        await client.ExecuteAsync("ECHO", [marker], CancellationToken.None);
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
