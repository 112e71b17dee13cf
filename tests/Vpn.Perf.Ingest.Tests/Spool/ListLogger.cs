using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Vpn.Perf.Ingest.Spool;

namespace Vpn.Perf.Ingest.Tests.Spool;

/// <summary>Collects log entries so tests can assert on warnings.</summary>
internal sealed class ListLogger : ILogger<DurableSpool>
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => Entries.Enqueue((logLevel, formatter(state, exception)));
}
