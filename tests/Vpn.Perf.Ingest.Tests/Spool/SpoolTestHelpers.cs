using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vpn.Perf.Ingest.Spool;

namespace Vpn.Perf.Ingest.Tests.Spool;

internal sealed record ReadRecord(Guid NodeId, ulong Seq, long ReceivedAtMs, byte[] Payload, SpoolPosition Position, SpoolPosition End);

internal static class SpoolTestHelpers
{
    public static DurableSpool Open(string directory, long segmentBytes = 64 * 1024, long maxBacklogBytes = 1L << 30, ILogger<DurableSpool>? logger = null,
        long cachedBacklogBytes = 256L << 20)
        => DurableSpool.Open(
            new SpoolOptions { Directory = directory, SegmentBytes = segmentBytes, MaxBacklogBytes = maxBacklogBytes, CachedBacklogBytes = cachedBacklogBytes },
            logger ?? NullLogger<DurableSpool>.Instance,
            TimeProvider.System);

    /// <summary>Deterministic payload for (node, seq): the crash child and the tests derive the same bytes.</summary>
    public static byte[] Payload(ulong nodeKey, ulong seq, int length)
    {
        var bytes = new byte[length];
        ulong state = (nodeKey * 0x9E3779B97F4A7C15UL) ^ (seq * 0xBF58476D1CE4E5B9UL) ^ 0x94D049BB133111EBUL;
        for (int i = 0; i < bytes.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bytes[i] = (byte)state;
        }

        return bytes;
    }

    public static Guid NodeId(int key) => new(key, 0x5350, 0x4f4c, 1, 2, 3, 4, 5, 6, 7, 8);

    public static async Task<SpoolPosition> AppendOkAsync(DurableSpool spool, Guid node, ulong seq, byte[] payload)
    {
        SpoolAppendResult result = await spool.AppendAsync(node, seq, 1_700_000_000_000 + (long)seq, new ReadOnlySequence<byte>(payload), CancellationToken.None);
        Assert.Equal(SpoolAppendStatus.Appended, result.Status);
        return result.Position;
    }

    /// <summary>Reads every record visible now (no waiting), copying payloads out of the reader's buffer.</summary>
    public static List<ReadRecord> ReadAvailable(SpoolReader reader)
    {
        var list = new List<ReadRecord>();
        while (reader.TryRead(out SpoolRecord r))
        {
            list.Add(new ReadRecord(r.NodeId, r.Seq, r.ReceivedAtMs, r.Payload.ToArray(), r.Position, r.End));
        }

        return list;
    }

    public static string[] SegmentFiles(string directory)
    {
        string[] files = Directory.GetFiles(directory, "*.seg");
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }
}
