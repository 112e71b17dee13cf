using System.Buffers;

namespace Vpn.Perf.Benchmarks.Wire;

/// <summary>Cuts a buffer into fixed-size segments, the way a pipe hands a request body over in pooled blocks.</summary>
internal static class ChunkedSequence
{
    /// <summary>Splits <paramref name="bytes"/> at the given ascending offsets.</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, params int[] splits)
    {
        var first = new Segment(bytes.AsMemory(0, splits[0]), 0);
        Segment last = first;
        for (int i = 0; i < splits.Length; i++)
        {
            int end = i + 1 < splits.Length ? splits[i + 1] : bytes.Length;
            last = last.Append(bytes.AsMemory(splits[i], end - splits[i]));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

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
