using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Vpn.Perf.Shared.Redis;

namespace Vpn.Perf.Shared.Tests.Redis.Faults;

/// <summary>What the fault server does to the next command it receives.</summary>
internal enum RespFault
{
    None = 0,

    /// <summary>Sends the first bytes of a bulk reply, then closes the socket.</summary>
    CloseMidReply = 1,

    /// <summary>Sends bytes that are not RESP.</summary>
    Garbage = 2,

    /// <summary>Keeps reading but never answers on this connection again.</summary>
    Silent = 3,
}

/// <summary>
/// A tiny TCP server on 127.0.0.1 that speaks just enough RESP (PING, ECHO, SET, GET, AUTH, SELECT) and misbehaves on
/// cue (the Npgsql PgPostmasterMock idea). A fault is armed for exactly one command, so a test knows which connection
/// it broke and that the connections opened afterwards behave.
/// </summary>
internal sealed class RespFaultServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, byte[]> _data = new();
    private readonly List<Task> _tasks = [];
    private readonly Task _acceptLoop;
    private int _nextFault;
    private int _accepted;

    public RespFaultServer()
    {
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>While true, every new connection is closed as soon as it is accepted.</summary>
    public bool RefuseConnections { get; set; }

    /// <summary>Every command received, as space-separated text, in arrival order.</summary>
    public ConcurrentQueue<string> Received { get; } = new();

    public RedisOptions Options(Func<RedisOptions, RedisOptions>? configure = null)
    {
        var options = new RedisOptions
        {
            Host = "127.0.0.1",
            Port = Port,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            CommandTimeout = TimeSpan.FromSeconds(5),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(5),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(50),
        };
        return configure?.Invoke(options) ?? options;
    }

    /// <summary>Arms <paramref name="fault"/> for the next command any connection receives.</summary>
    public void FailNext(RespFault fault) => Volatile.Write(ref _nextFault, (int)fault);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        Task[] tasks;
        lock (_tasks)
            tasks = [.. _tasks];
        await Task.WhenAll(tasks);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            Interlocked.Increment(ref _accepted);
            if (RefuseConnections)
            {
                socket.Dispose();
                continue;
            }
            lock (_tasks)
                _tasks.Add(Task.Run(() => ServeAsync(socket)));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        using CancellationTokenRegistration stopping = _stop.Token.Register(socket.Dispose);
        PipeReader input = PipeReader.Create(stream);
        bool silent = false;
        try
        {
            while (true)
            {
                ReadResult read = await input.ReadAsync(_stop.Token);
                List<string[]> commands = ParseCommands(read.Buffer, out SequencePosition consumed);
                input.AdvanceTo(consumed, read.Buffer.End);
                var output = new ArrayBufferWriter<byte>();
                foreach (string[] command in commands)
                {
                    Received.Enqueue(string.Join(' ', command));
                    switch ((RespFault)Interlocked.Exchange(ref _nextFault, 0))
                    {
                        case RespFault.CloseMidReply:
                            output.Write("$10\r\nhello"u8);
                            await stream.WriteAsync(output.WrittenMemory);
                            return;
                        case RespFault.Garbage:
                            output.Write("?garbage\r\n"u8);
                            break;
                        case RespFault.Silent:
                            silent = true;
                            break;
                    }
                    if (!silent)
                        Answer(command, output);
                }
                if (output.WrittenCount > 0)
                    await stream.WriteAsync(output.WrittenMemory);
                if (read.IsCompleted)
                    return;
            }
        }
        catch (Exception)
        {
            // The client hung up or the server is stopping: this connection is over.
        }
        finally
        {
            await input.CompleteAsync();
        }
    }

    private void Answer(string[] command, ArrayBufferWriter<byte> output)
    {
        switch (command[0].ToUpperInvariant())
        {
            case "PING":
                output.Write("+PONG\r\n"u8);
                break;
            case "AUTH":
            case "SELECT":
            case "SET" when command.Length == 3:
                if (command[0].Equals("SET", StringComparison.OrdinalIgnoreCase))
                    _data[command[1]] = Encoding.UTF8.GetBytes(command[2]);
                output.Write("+OK\r\n"u8);
                break;
            case "ECHO" when command.Length == 2:
                WriteBulk(output, Encoding.UTF8.GetBytes(command[1]));
                break;
            case "GET" when command.Length == 2:
                if (_data.TryGetValue(command[1], out byte[]? value))
                    WriteBulk(output, value);
                else
                    output.Write("$-1\r\n"u8);
                break;
            default:
                output.Write(Encoding.ASCII.GetBytes($"-ERR unknown command '{command[0]}'\r\n"));
                break;
        }
    }

    private static void WriteBulk(ArrayBufferWriter<byte> output, byte[] value)
    {
        output.Write(Encoding.ASCII.GetBytes($"${value.Length}\r\n"));
        output.Write(value);
        output.Write("\r\n"u8);
    }

    /// <summary>Commands are RESP arrays of bulk strings, so the client's own reply reader parses them.</summary>
    private static List<string[]> ParseCommands(ReadOnlySequence<byte> buffer, out SequencePosition consumed)
    {
        var commands = new List<string[]>();
        var reader = new RespReplyReader(buffer);
        while (reader.TryRead(out RespValue command))
        {
            RespValue[] parts = command.AsArray()!;
            var text = new string[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                text[i] = parts[i].AsString()!;
            commands.Add(text);
        }
        consumed = reader.Position;
        return commands;
    }
}
