using System.Buffers;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>The unit-test twin of bench/allocation-budgets.json: parse and encode allocate nothing once warm.</summary>
public sealed class AllocationTests
{
    private struct CountingHandler : ITrafficBatchHandler
    {
        public long Sum;

        public void OnHeader(in BatchHeader header) => Sum += header.ReportCount;

        public void OnReport(in TrafficReport report) => Sum += (long)report.BytesUp;

        public void OnAccessCount(int count) => Sum += count;

        public void OnAccess(in AccessEvent accessEvent, ReadOnlySpan<byte> note, bool hasNote) => Sum += note.Length;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void Parse_WarmBatch_AllocatesNothing(int segmentSize)
    {
        byte[] bytes = SampleBatch.Small().Encode();
        ReadOnlySequence<byte> body = segmentSize == 0 ? new ReadOnlySequence<byte>(bytes) : Segments.Chunked(bytes, segmentSize);
        var handler = new CountingHandler();
        TrafficBatchParser.Parse(body, TrafficBatchLimits.Default, ref handler); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            TrafficBatchParser.Parse(body, TrafficBatchLimits.Default, ref handler);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Encode_WarmBatchIntoSizedBuffer_AllocatesNothing()
    {
        SampleBatch batch = SampleBatch.Small();
        var output = new ArrayBufferWriter<byte>(4096);
        Write(batch, output); // warm up

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            output.ResetWrittenCount();
            Write(batch, output);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void Write(SampleBatch batch, ArrayBufferWriter<byte> output)
    {
        var writer = new TrafficBatchWriter(output);
        writer.WriteHeader(new BatchHeader(TrafficBatchLayout.Version, batch.Seq, batch.SentAtMs, batch.Reports.Length));
        foreach (TrafficReport report in batch.Reports)
        {
            writer.WriteReport(report);
        }

        writer.WriteAccessHeader(batch.Access.Length);
        foreach ((AccessEvent accessEvent, string? note) in batch.Access)
        {
            writer.WriteAccess(accessEvent, note is null ? default : "note"u8, note is not null); // a literal: no encoding allocation
        }

        writer.Complete();
    }
}
