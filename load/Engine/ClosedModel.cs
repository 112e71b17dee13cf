using System.Diagnostics;

namespace Vpn.Perf.Load.Engine;

/// <summary>
/// Closed model: <c>concurrency</c> workers, each issuing its next request as soon as the previous one is done.
/// Worker w serves lanes w, w + c, w + 2c ... in turn, so a lane never has two requests in flight. Throughput is
/// what the server sustains at that concurrency; latency is service time (no arrival queue exists).
/// </summary>
internal static class ClosedModel
{
    public static Task RunAsync(ILaneIssuer issuer, int concurrency, RunWindow window, CancellationToken hardStop)
    {
        var workers = new Task[concurrency];
        for (int w = 0; w < concurrency; w++)
        {
            workers[w] = WorkerAsync(issuer, w, concurrency, window, hardStop);
        }
        return Task.WhenAll(workers);
    }

    private static async Task WorkerAsync(ILaneIssuer issuer, int worker, int concurrency, RunWindow window, CancellationToken hardStop)
    {
        await Task.Yield(); // leave the caller's thread at once: all workers start together
        int lane = worker;
        // Bounded by time: no new batch starts after the end; the one in flight finishes or meets the hard stop.
        try
        {
            while (Stopwatch.GetTimestamp() < window.End)
            {
                await issuer.IssueAsync(lane, Stopwatch.GetTimestamp(), hardStop);
                lane += concurrency;
                if (lane >= issuer.Lanes) lane = worker;
            }
        }
        catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
        {
        }
    }
}
