using System.Buffers.Binary;

namespace Vpn.Perf.Load.Scenarios;

/// <summary>
/// One pre-encoded batch of one node, and what it carries (for the run's totals and <c>--verify</c>). The body is
/// encoded once at setup with placeholder seq and sent_at values large enough to take MessagePack's fixed uint 64
/// form (<c>0xcf</c> + 8 big-endian bytes, which the spec accepts for any integer), so each send only overwrites
/// those bytes in place: no re-encoding and no allocation per batch.
/// </summary>
internal sealed class BatchBody
{
    /// <summary>Batch layout: <c>95</c> fixarray(5), <c>01</c> version, <c>cf</c> + seq (3..10), <c>cf</c> + sent_at (12..19).</summary>
    public const int SeqOffset = 3;

    public const int SentAtOffset = 12;

    /// <summary>A seq above uint 32 so the writer emits the 9-byte form that <see cref="Stamp"/> patches.</summary>
    public const ulong PlaceholderSeq = 1UL << 40;

    public BatchBody(byte[] bytes, int[] eventIdOffsets, int[] subscriptionIndexes, long[] deltas, ulong bytesUp, ulong bytesDown)
    {
        // The writer chose the encodings: check that seq and sent_at really are the fixed uint 64 form before patching.
        if (bytes[0] != 0x95 || bytes[1] != 0x01 || bytes[SeqOffset - 1] != 0xcf || bytes[SentAtOffset - 1] != 0xcf)
        {
            throw new InvalidOperationException("The batch header is not in the patchable 0xcf form.");
        }
        Bytes = bytes;
        EventIdOffsets = eventIdOffsets;
        SubscriptionIndexes = subscriptionIndexes;
        Deltas = deltas;
        BytesUp = bytesUp;
        BytesDown = bytesDown;
    }

    public byte[] Bytes { get; }

    /// <summary>Where each access event's 16-byte event id starts: its low 8 bytes get the seq, so ids stay unique per send.</summary>
    public int[] EventIdOffsets { get; }

    /// <summary>Per report: which of the run's subscriptions it counts for, and its bytes up + down.</summary>
    public int[] SubscriptionIndexes { get; }

    public long[] Deltas { get; }

    public int Reports => SubscriptionIndexes.Length;

    public int AccessEvents => EventIdOffsets.Length;

    public ulong BytesUp { get; }

    public ulong BytesDown { get; }

    /// <summary>Makes this body the batch <paramref name="seq"/>; only the node that owns it calls this, between its sends.</summary>
    public void Stamp(ulong seq, long sentAtMs)
    {
        Span<byte> b = Bytes;
        BinaryPrimitives.WriteUInt64BigEndian(b[SeqOffset..], seq);
        BinaryPrimitives.WriteInt64BigEndian(b[SentAtOffset..], sentAtMs);
        foreach (int offset in EventIdOffsets)
        {
            BinaryPrimitives.WriteUInt64BigEndian(b[(offset + 8)..], seq);
        }
    }
}
