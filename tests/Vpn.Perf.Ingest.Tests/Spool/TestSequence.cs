using System.Buffers;

namespace Vpn.Perf.Ingest.Tests.Spool;

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/> from an array, in chunks of a given size.</summary>
internal sealed class TestSequence : ReadOnlySequenceSegment<byte>
{
    private TestSequence(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Create(byte[] data, int chunk)
    {
        var first = new TestSequence(data.AsMemory(0, Math.Min(chunk, data.Length)), 0);
        TestSequence last = first;
        for (int i = chunk; i < data.Length; i += chunk)
        {
            var next = new TestSequence(data.AsMemory(i, Math.Min(chunk, data.Length - i)), i);
            last.Next = next;
            last = next;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
