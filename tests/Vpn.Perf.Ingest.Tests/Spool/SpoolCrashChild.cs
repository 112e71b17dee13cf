using System.Buffers;
using System.Globalization;
using Vpn.Perf.Ingest.Spool;

namespace Vpn.Perf.Ingest.Tests.Spool;

/// <summary>
/// The child process of the kill -9 test (started through <see cref="TestProgram"/>): several concurrent appenders write
/// records forever and print <c>ack TASK SEQ.</c> after each append returned Appended. The parent kills it with SIGKILL.
/// </summary>
internal static class SpoolCrashChild
{
    public const string Command = "spool-crash-child";
    public const int Tasks = 6;
    public const long SegmentBytes = 256 * 1024;

    public static int PayloadLength(ulong seq) => 512 + (int)(seq * 7919 % 12_000);

    public static async Task<int> RunAsync(string directory)
    {
        DurableSpool spool = SpoolTestHelpers.Open(directory, segmentBytes: SegmentBytes);
        var tasks = new Task[Tasks];
        for (int t = 0; t < Tasks; t++)
        {
            int task = t;
            tasks[t] = Task.Run(async () =>
            {
                for (ulong seq = 1; ; seq++)
                {
                    byte[] payload = SpoolTestHelpers.Payload((ulong)task, seq, PayloadLength(seq));
                    SpoolAppendResult result = await spool.AppendAsync(SpoolTestHelpers.NodeId(task), seq, 0, new ReadOnlySequence<byte>(payload), CancellationToken.None);
                    if (result.Status != SpoolAppendStatus.Appended)
                    {
                        await Console.Error.WriteLineAsync($"append {task}/{seq}: {result.Status}");
                        return;
                    }

                    // Console.Out is synchronized and auto-flushed: the line leaves the process once the record is durable.
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ack {task} {seq}."));
                }
            });
        }

        await Task.WhenAll(tasks);
        await spool.DisposeAsync();
        return 1; // only reached if appends stopped: the parent expects to kill us first
    }
}
