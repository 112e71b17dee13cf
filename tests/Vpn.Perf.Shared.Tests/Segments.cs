using System.Buffers;

namespace Vpn.Perf.Shared.Tests;

/// <summary>
/// Builds multi-segment sequences from a byte array, the way a socket or a pipe delivers them (STYLE P5, the
/// SE.Redis FragmentedSegment idea). Every segment gets its own array, so a read that runs past a segment's end
/// fails instead of silently reading the next bytes.
/// </summary>
internal static class Segments
{
    /// <summary>Splits <paramref name="bytes"/> at the given ascending offsets.</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, params int[] splits)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        int start = 0;
        foreach (int split in splits)
        {
            pieces.Add(bytes.AsSpan(start, split - start).ToArray());
            start = split;
        }

        pieces.Add(bytes.AsSpan(start).ToArray());
        return Chain(pieces);
    }

    /// <summary>Cuts <paramref name="bytes"/> into segments of <paramref name="size"/> bytes (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Chunked(byte[] bytes, int size)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        for (int i = 0; i < bytes.Length; i += size)
        {
            pieces.Add(bytes.AsSpan(i, Math.Min(size, bytes.Length - i)).ToArray());
        }

        return Chain(pieces);
    }

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> OneByteEach(byte[] bytes) => Chunked(bytes, 1);

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
