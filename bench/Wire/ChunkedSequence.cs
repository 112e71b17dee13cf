using System.Buffers;

namespace Vpn.Perf.Benchmarks.Wire;

/// <summary>Cuts a buffer into fixed-size segments, the way a pipe hands a request body over in pooled blocks.</summary>
internal static class ChunkedSequence
{
    public static ReadOnlySequence<byte> Create(byte[] bytes, int segmentSize)
    {
        var first = new Segment(bytes.AsMemory(0, Math.Min(segmentSize, bytes.Length)), 0);
        Segment last = first;
        for (int i = segmentSize; i < bytes.Length; i += segmentSize)
        {
            last = last.Append(bytes.AsMemory(i, Math.Min(segmentSize, bytes.Length - i)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
