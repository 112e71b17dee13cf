using System.Diagnostics;
using System.Threading.Channels;

namespace Vpn.Perf.Load.Engine;

/// <summary>
/// Open model: requests arrive at a constant rate whatever the latency. A scheduler computes the intended start of
/// arrival k as <c>start + k / rate</c> and hands it to the lanes in turn; a lane that is still busy queues it. Each
/// latency is measured from the intended start, so time spent waiting behind a slow request is counted (the
/// coordinated-omission correction) instead of silently lowering the offered load.
/// </summary>
internal static class OpenModel
{
    public static async Task RunAsync(ILaneIssuer issuer, double ratePerSecond, RunWindow window, RunCounters counters, CancellationToken hardStop)
    {
        var queues = new Channel<long>[issuer.Lanes];
        var workers = new Task[issuer.Lanes];
        for (int lane = 0; lane < queues.Length; lane++)
        {
            queues[lane] = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            workers[lane] = LaneAsync(issuer, lane, queues[lane].Reader, window, counters, hardStop);
        }

        double ticksPerArrival = Stopwatch.Frequency / ratePerSecond;
        long issued = 0;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= window.End) break;
            // Everything due by now goes out with its own intended time, so timer jitter (~1 ms) shifts no latency.
            long due = (long)((now - window.Start) / ticksPerArrival) + 1;
            for (; issued < due; issued++)
            {
                long intended = window.Start + (long)(issued * ticksPerArrival);
                if (intended >= window.End) break;
                queues[issued % queues.Length].Writer.TryWrite(intended);
            }
            long next = window.Start + (long)(issued * ticksPerArrival);
            TimeSpan wait = TimeSpan.FromSeconds((double)(next - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            await Task.Delay(wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1), CancellationToken.None);
        }
        foreach (Channel<long> q in queues) q.Writer.TryComplete();
        await Task.WhenAll(workers);
    }

    private static async Task LaneAsync(ILaneIssuer issuer, int lane, ChannelReader<long> arrivals, RunWindow window, RunCounters counters, CancellationToken hardStop)
    {
        try
        {
            while (await arrivals.WaitToReadAsync(hardStop))
            {
                while (arrivals.TryRead(out long intended))
                {
                    if (Stopwatch.GetTimestamp() >= window.End)
                    {
                        // Past the end: an arrival still queued is never started, only counted (they show an overload). The queue is
                        // read to its completion rather than measured: a single-reader channel has no Count, and the scheduler may
                        // still be handing out the last arrivals due before the end.
                        counters.QueuedAtEnd(1);
                        continue;
                    }
                    await issuer.IssueAsync(lane, intended, hardStop);
                }
            }
        }
        catch (OperationCanceledException) when (hardStop.IsCancellationRequested)
        {
        }
    }
}
