using System.Threading.Channels;

namespace Vpn.Perf.Api.Features.StateSync;

/// <summary>
/// Lets the dispatcher ask for a reconciler pass ahead of schedule: when Redis comes back after an outage it may
/// have restarted empty, and waiting for the next periodic pass would leave Ingest without states for minutes.
/// Requests made while one is already waiting collapse into it.
/// </summary>
internal sealed class ReconcileTrigger
{
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Request() => _requests.Writer.TryWrite(true);

    /// <summary>Returns when a pass was requested or <paramref name="timeout"/> passed; throws only when <paramref name="ct"/> is cancelled.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(timeout);
        try
        {
            await _requests.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The interval ran out: time for the periodic pass.
        }
    }
}
