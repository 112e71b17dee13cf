using System.Buffers;
using System.Buffers.Binary;

namespace Vpn.Perf.Ingest.Spool;

/// <summary>On-disk layout of the spool. All integers are little-endian (<see cref="BinaryPrimitives"/>).</summary>
/// <remarks>
/// Segment file <c>NNNNNNNNNNNNNNNNNNNN.seg</c> (the segment id, 20 decimal digits, so names sort by id):
/// <code>
/// | offset | size | field                                                       |
/// |      0 |    8 | magic "VPSPSEG1"                                            |
/// |      8 |    8 | segment id, u64 (must equal the file name)                  |
/// |     16 |  ... | records, back to back, no padding                           |
/// </code>
/// Record:
/// <code>
/// | offset | size | field                                                       |
/// |      0 |    4 | payload length n, u32, at most MaxPayloadBytes              |
/// |      4 |    4 | CRC-32C, u32, over bytes [0, 4) and [8, 40 + n)              |
/// |      8 |   16 | node id, RFC 9562 (network) byte order                      |
/// |     24 |    8 | node sequence number, u64                                   |
/// |     32 |    8 | received at, i64 unix milliseconds UTC                      |
/// |     40 |    n | payload (the request body as received)                      |
/// </code>
/// Checkpoint file <c>checkpoint</c> (replaced atomically: written as <c>checkpoint.tmp</c>, fsynced, renamed, directory fsynced):
/// <code>
/// | offset | size | field                                                       |
/// |      0 |    8 | magic "VPSPCKP1"                                            |
/// |      8 |    8 | segment id, u64                                             |
/// |     16 |    8 | offset inside that segment, i64: every record before it is consumed |
/// |     24 |    4 | CRC-32C, u32, over bytes [0, 24)                             |
/// </code>
/// </remarks>
internal static class SpoolFormat
{
    public const int SegmentHeaderSize = 16;
    public const int RecordHeaderSize = 40;
    public const int CheckpointSize = 28;

    /// <summary>Largest payload a record may carry; checked on append and, before any allocation, on read.</summary>
    public const int MaxPayloadBytes = 16 * 1024 * 1024;

    public const int MaxRecordBytes = RecordHeaderSize + MaxPayloadBytes;

    /// <summary>The writer puts at most this many bytes into one write+fsync, unless a single record is larger.</summary>
    public const int MaxWriteBatchBytes = 4 * 1024 * 1024;

    /// <summary>Largest damaged tail a crash can leave: only the last, unfsynced write can be torn, and one write holds
    /// at most <see cref="MaxWriteBatchBytes"/> or one record. More damage than this is not a torn write.</summary>
    public const long MaxTornTailBytes = MaxRecordBytes > MaxWriteBatchBytes ? MaxRecordBytes : MaxWriteBatchBytes;

    public const string SegmentExtension = ".seg";
    public const string CheckpointFileName = "checkpoint";
    public const string CheckpointTempFileName = "checkpoint.tmp";
    public const string LockFileName = "spool.lock";

    private static ReadOnlySpan<byte> SegmentMagic => "VPSPSEG1"u8;

    private static ReadOnlySpan<byte> CheckpointMagic => "VPSPCKP1"u8;

    public static string SegmentFileName(ulong segmentId)
        => segmentId.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) + SegmentExtension;

    public static bool TryParseSegmentFileName(string fileName, out ulong segmentId)
    {
        segmentId = 0;
        return fileName.Length == 20 + SegmentExtension.Length
            && fileName.EndsWith(SegmentExtension, StringComparison.Ordinal)
            && ulong.TryParse(fileName.AsSpan(0, 20), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out segmentId);
    }

    public static void WriteSegmentHeader(Span<byte> destination, ulong segmentId)
    {
        SegmentMagic.CopyTo(destination);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], segmentId);
    }

    public static bool IsValidSegmentHeader(ReadOnlySpan<byte> header, ulong segmentId)
        => header.Length >= SegmentHeaderSize
            && header[..8].SequenceEqual(SegmentMagic)
            && BinaryPrimitives.ReadUInt64LittleEndian(header[8..]) == segmentId;

    /// <summary>Encodes a whole record into <paramref name="destination"/>, which is exactly
    /// <see cref="RecordHeaderSize"/> + payload length bytes.</summary>
    public static void WriteRecord(Span<byte> destination, Guid nodeId, ulong seq, long receivedAtMs, in ReadOnlySequence<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)payload.Length);
        nodeId.TryWriteBytes(destination.Slice(8, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], seq);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], receivedAtMs);
        payload.CopyTo(destination[RecordHeaderSize..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], ComputeRecordCrc(destination));
    }

    /// <summary>Reads the payload length from a record header (at least 4 bytes).</summary>
    public static uint ReadPayloadLength(ReadOnlySpan<byte> header) => BinaryPrimitives.ReadUInt32LittleEndian(header);

    /// <summary>True when the stored CRC matches; <paramref name="record"/> is the whole record.</summary>
    public static bool HasValidCrc(ReadOnlySpan<byte> record)
        => BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) == ComputeRecordCrc(record);

    public static SpoolRecord ReadRecord(ReadOnlyMemory<byte> record, SpoolPosition position)
    {
        ReadOnlySpan<byte> span = record.Span;
        return new SpoolRecord(
            new Guid(span.Slice(8, 16), bigEndian: true),
            BinaryPrimitives.ReadUInt64LittleEndian(span[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[32..]),
            record[RecordHeaderSize..],
            position,
            position with { Offset = position.Offset + record.Length });
    }

    public static void WriteCheckpoint(Span<byte> destination, SpoolPosition position)
    {
        CheckpointMagic.CopyTo(destination);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], position.SegmentId);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], position.Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], Crc32C.Compute(destination[..24]));
    }

    public static bool TryReadCheckpoint(ReadOnlySpan<byte> source, out SpoolPosition position)
    {
        position = default;
        if (source.Length != CheckpointSize
            || !source[..8].SequenceEqual(CheckpointMagic)
            || BinaryPrimitives.ReadUInt32LittleEndian(source[24..]) != Crc32C.Compute(source[..24]))
        {
            return false;
        }

        position = new SpoolPosition(BinaryPrimitives.ReadUInt64LittleEndian(source[8..]), BinaryPrimitives.ReadInt64LittleEndian(source[16..]));
        return position.Offset >= SegmentHeaderSize;
    }

    private static uint ComputeRecordCrc(ReadOnlySpan<byte> record)
    {
        // The CRC field itself (bytes 4..8) is skipped; the length is covered so a flipped length bit is caught too.
        uint crc = Crc32C.Update(Crc32C.Seed, record[..4]);
        return Crc32C.Finish(Crc32C.Update(crc, record[8..]));
    }
}
