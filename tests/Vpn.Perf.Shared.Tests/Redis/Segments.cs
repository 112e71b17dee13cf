using System.Buffers;

namespace Vpn.Perf.Shared.Tests.Redis;

/// <summary>Builds multi-segment sequences the way a socket delivers them (STYLE P5).</summary>
internal static class Segments
{
    /// <summary>Splits <paramref name="bytes"/> at the given offsets (ascending).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        var bounds = new List<int> { 0 };
        bounds.AddRange(cuts);
        bounds.Add(bytes.Length);
        Segment? first = null, last = null;
        for (int i = 0; i + 1 < bounds.Count; i++)
        {
            // Each segment gets its own array so no read can run past a segment end unnoticed.
            var chunk = bytes.AsSpan(bounds[i], bounds[i + 1] - bounds[i]).ToArray();
            if (first is null)
                first = last = new Segment(chunk, 0);
            else
                last = last!.Append(chunk);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> OneByteEach(byte[] bytes)
    {
        if (bytes.Length == 0)
            return ReadOnlySequence<byte>.Empty;
        var cuts = new int[bytes.Length - 1];
        for (int i = 0; i < cuts.Length; i++)
            cuts[i] = i + 1;
        return Split(bytes, cuts);
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
