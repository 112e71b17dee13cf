using System.Buffers;
using Vpn.Perf.Shared.Wire;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>Drives a <see cref="TrafficBatchReader"/> as a body loop would, checking the consume-nothing contract.</summary>
internal static class StreamingDriver
{
    /// <summary>
    /// Reads records until the reader is done (true) or a Try call returns false (false). Asserts that the failing
    /// call consumed nothing.
    /// </summary>
    public static bool Drive(ref TrafficBatchReader reader, ref RecordingHandler handler)
    {
        while (true)
        {
            long before = reader.Consumed;
            TrafficBatchStage stage = reader.Stage;
            bool read;
            switch (stage)
            {
                case TrafficBatchStage.Header:
                    read = reader.TryReadHeader(out BatchHeader header);
                    if (read)
                    {
                        handler.OnHeader(header);
                    }

                    break;
                case TrafficBatchStage.Reports:
                    read = reader.TryReadReport(out TrafficReport report);
                    if (read)
                    {
                        handler.OnReport(report);
                    }

                    break;
                case TrafficBatchStage.AccessHeader:
                    read = reader.TryReadAccessHeader(out int count);
                    if (read)
                    {
                        handler.OnAccessCount(count);
                    }

                    break;
                case TrafficBatchStage.Access:
                    read = reader.TryReadAccess(out AccessEvent accessEvent, out ReadOnlySequence<byte> note, out bool hasNote);
                    if (read)
                    {
                        handler.OnAccess(accessEvent, note.ToArray(), hasNote);
                    }

                    break;
                case TrafficBatchStage.End:
                    read = reader.TryReadEnd();
                    break;
                default:
                    return true;
            }

            if (!read)
            {
                Assert.True(before == reader.Consumed, $"A false {stage} read consumed {reader.Consumed - before} bytes.");
                Assert.Equal(stage, reader.Stage);
                return false;
            }
        }
    }

    /// <summary>Feeds <paramref name="body"/> to fresh readers <paramref name="step"/> bytes at a time, resuming from state.</summary>
    public static string ReadInSteps(byte[] body, int step)
    {
        var handler = new RecordingHandler();
        TrafficBatchReaderState state = default;
        for (int available = Math.Min(step, body.Length); ; available = Math.Min(available + step, body.Length))
        {
            bool final = available == body.Length;
            var data = new ReadOnlySequence<byte>(body, (int)state.Offset, available - (int)state.Offset);
            var reader = new TrafficBatchReader(data, final, state);
            bool done = Drive(ref reader, ref handler);
            state = reader.CurrentState;
            if (done)
            {
                // The batch ended before the body did: what a body loop answers for bytes after the batch.
                if (state.Offset != body.Length)
                {
                    throw new WireFormatException(WireError.TrailingBytes, "Bytes follow the batch.");
                }
                return handler.Text;
            }

            if (final)
            {
                // What a body loop answers when the body completes mid-record (STYLE P1).
                throw new WireFormatException(WireError.Truncated, "The complete body did not finish the batch.");
            }
        }
    }
}
