using System.Buffers;

namespace Vpn.Perf.Shared.Tests.Wire;

/// <summary>Builds multi-segment sequences from a byte array (the SE.Redis FragmentedSegment idea).</summary>
internal static class Segments
{
    /// <summary>Splits <paramref name="bytes"/> at the given ascending offsets.</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, params int[] splits)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        int start = 0;
        foreach (int split in splits)
        {
            pieces.Add(bytes.AsMemory(start, split - start));
            start = split;
        }

        pieces.Add(bytes.AsMemory(start));
        return Chain(pieces);
    }

    /// <summary>Cuts <paramref name="bytes"/> into segments of <paramref name="size"/> bytes (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Chunked(byte[] bytes, int size)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        for (int i = 0; i < bytes.Length; i += size)
        {
            pieces.Add(bytes.AsMemory(i, Math.Min(size, bytes.Length - i)));
        }

        return Chain(pieces);
    }

    private static ReadOnlySequence<byte> Chain(List<ReadOnlyMemory<byte>> pieces)
    {
        if (pieces.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new Segment(pieces[0], 0);
        Segment last = first;
        for (int i = 1; i < pieces.Count; i++)
        {
            last = last.Append(pieces[i]);
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
