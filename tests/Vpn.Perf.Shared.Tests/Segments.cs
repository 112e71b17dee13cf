using System.Buffers;

namespace Vpn.Perf.Shared.Tests;

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/> split at the given offsets.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Of(byte[] bytes, params int[] splits)
    {
        Segment? first = null, last = null;
        int start = 0;
        foreach (int end in splits.Append(bytes.Length))
        {
            var segment = new Segment(bytes.AsMemory(start, end - start), last);
            first ??= segment;
            last = segment;
            start = end;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
