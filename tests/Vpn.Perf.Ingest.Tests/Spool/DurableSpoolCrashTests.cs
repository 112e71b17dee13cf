using System.Diagnostics;
using System.Globalization;
using Vpn.Perf.Ingest.Spool;

namespace Vpn.Perf.Ingest.Tests.Spool;

public sealed class DurableSpoolCrashTests
{
    private const int AcksBeforeKill = 3000;

    [Fact]
    public async Task AppendAsync_ProcessKilledWithSigkill_EveryAcknowledgedRecordSurvivesIntact()
    {
        using var dir = new SpoolTestDirectory();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var acked = new HashSet<(int Task, ulong Seq)>();
        using (Process child = StartChild(dir.Path))
        {
            Task<string> stderr = child.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                while (acked.Count < AcksBeforeKill)
                {
                    string? line = await child.StandardOutput.ReadLineAsync(timeout.Token);
                    if (line is null)
                    {
                        Assert.Fail($"the child exited before {AcksBeforeKill} acks ({acked.Count} seen): {await stderr}");
                    }

                    AddAck(acked, line);
                }
            }
            finally
            {
                child.Kill(); // SIGKILL on Unix: no finalizers, no flush, no dispose
            }

            // Lines already in the pipe were printed after their appends returned: they are acknowledgements too.
            // A line cut off by the kill has no final '.', and AddAck ignores it.
            while (await child.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                AddAck(acked, line);
            }

            await child.WaitForExitAsync(timeout.Token);
            Assert.NotEqual(0, child.ExitCode);
        }

        await using DurableSpool spool = SpoolTestHelpers.Open(dir.Path, segmentBytes: SpoolCrashChild.SegmentBytes);
        var found = new Dictionary<(int Task, ulong Seq), byte[]>();
        var lastSeq = new ulong[SpoolCrashChild.Tasks];
        foreach (ReadRecord record in SpoolTestHelpers.ReadAvailable(spool.Reader))
        {
            int task = record.NodeId.ToByteArray()[0];
            Assert.True(record.Seq > lastSeq[task], $"task {task}: seq {record.Seq} after {lastSeq[task]}");
            lastSeq[task] = record.Seq;
            found[(task, record.Seq)] = record.Payload;
        }

        Assert.True(spool.SegmentCount > 1, "the run should have crossed segment rolls");
        foreach ((int task, ulong seq) in acked)
        {
            Assert.True(found.TryGetValue((task, seq), out byte[]? payload), $"acknowledged record {task}/{seq} is missing");
            Assert.Equal(SpoolTestHelpers.Payload((ulong)task, seq, SpoolCrashChild.PayloadLength(seq)), payload);
        }
    }

    private static void AddAck(HashSet<(int, ulong)> acked, string line)
    {
        string[] parts = line.Split(' ');
        if (parts is ["ack", string task, string seq] && seq.EndsWith('.'))
        {
            acked.Add((int.Parse(task, CultureInfo.InvariantCulture), ulong.Parse(seq.AsSpan(0, seq.Length - 1), CultureInfo.InvariantCulture)));
        }
    }

    private static Process StartChild(string directory)
    {
        // The test assembly is an executable (see TestProgram): run it with the same dotnet host as this test host.
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath
            ? hostPath
            : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(SpoolCrashChild).Assembly.Location);
        start.ArgumentList.Add(SpoolCrashChild.Command);
        start.ArgumentList.Add(directory);
        return Process.Start(start) ?? throw new InvalidOperationException("could not start the spool crash child");
    }
}
