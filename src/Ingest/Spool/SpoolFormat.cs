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
/// |      0 |    4 | bits 0-27: payload length n, at most MaxPayloadBytes;       |
/// |        |      | bits 28-31: record version (0 or 1, below)                  |
/// |      4 |    4 | CRC-32C, u32, over bytes [0, 4) and [8, 40 + n)              |
/// |      8 |   16 | node id, RFC 9562 (network) byte order                      |
/// |     24 |    8 | node sequence number, u64                                   |
/// |     32 |    8 | received at, i64 unix milliseconds UTC                      |
/// |     40 |    n | payload (the request body as received, then the trailer)    |
/// </code>
/// Record versions. 0: the payload is the body, and every report and access event in it was accepted (what the
/// previous release wrote, and what this one writes when nothing was rejected, so an old spool recovers as it is and
/// the common record costs nothing extra). 1: the payload is the body, then the verdict trailer:
/// <code>
/// | size | field                                                                                 |
/// |    b | the request body                                                                      |
/// |    k | bitmap, bit i (LSB first in byte i / 8) set = item i rejected; the batch's reports    |
/// |      | first, then its access events, in wire order; bits past the last item are zero        |
/// |    4 | k, u32 (so n = b + k + 4)                                                             |
/// </code>
/// The verdicts are made once, when the batch is accepted (scope and bounds, docs/ingest.md), and read back by every
/// consumer of the record (the ClickHouse sink, the re-application to Redis after a restart), so a replay never
/// decides again against a scope that has changed since.
/// Checkpoint file <c>checkpoint</c> (replaced atomically: written as <c>checkpoint.tmp</c>, fsynced, renamed, directory fsynced):
/// <code>
/// | offset | size | field                                                       |
/// |      0 |    8 | magic "VPSPCKP1"                                            |
/// |      8 |    8 | segment id, u64                                             |
/// |     16 |    8 | offset inside that segment, i64: every record before it is consumed |
/// |     24 |    4 | CRC-32C, u32, over bytes [0, 24)                             |
/// </code>
/// Identity file <c>spool-id</c>: the spool's id, 32 lowercase hex digits and a newline, written once when the directory
/// is first opened (temp file, fsync, rename, directory fsync) and never changed. The ClickHouse sink claims batches
/// under it, so whoever reads this spool later (the same instance after a restart, or <c>drain-spool</c>) is recognised
/// as the owner of the claims it left.
/// </remarks>
internal static class SpoolFormat
{
    public const int SegmentHeaderSize = 16;
    public const int TrailerLengthSize = 4;

    private const uint LengthMask = 0x0FFF_FFFF;
    private const int VersionShift = 28;
    private const uint VersionWithVerdicts = 1;
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
    public const string IdFileName = "spool-id";
    public const string IdTempFileName = "spool-id.tmp";

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

    /// <summary>Payload bytes of a record for a body of <paramref name="bodyLength"/> and a verdict bitmap of
    /// <paramref name="verdictBytes"/> (0 = all accepted: no trailer).</summary>
    public static long PayloadLength(long bodyLength, int verdictBytes)
        => verdictBytes == 0 ? bodyLength : bodyLength + verdictBytes + TrailerLengthSize;

    /// <summary>Encodes a whole record into <paramref name="destination"/>, which is exactly
    /// <see cref="RecordHeaderSize"/> + <see cref="PayloadLength"/> bytes.</summary>
    public static void WriteRecord(Span<byte> destination, Guid nodeId, ulong seq, long receivedAtMs, in ReadOnlySequence<byte> body, ReadOnlySpan<byte> verdicts)
    {
        uint payloadLength = (uint)PayloadLength(body.Length, verdicts.Length);
        uint version = verdicts.IsEmpty ? 0 : VersionWithVerdicts;
        BinaryPrimitives.WriteUInt32LittleEndian(destination, payloadLength | (version << VersionShift));
        nodeId.TryWriteBytes(destination.Slice(8, 16), bigEndian: true, out _);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], seq);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], receivedAtMs);
        body.CopyTo(destination[RecordHeaderSize..]);
        if (!verdicts.IsEmpty)
        {
            int trailer = RecordHeaderSize + (int)body.Length;
            verdicts.CopyTo(destination[trailer..]);
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(trailer + verdicts.Length)..], (uint)verdicts.Length);
        }
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], ComputeRecordCrc(destination));
    }

    /// <summary>Reads the payload length from a record header (at least 4 bytes); a version this build does not know
    /// reads as a length past every limit, so readers treat the record as damage rather than misread it.</summary>
    public static uint ReadPayloadLength(ReadOnlySpan<byte> header)
    {
        uint word = BinaryPrimitives.ReadUInt32LittleEndian(header);
        return (word >> VersionShift) <= VersionWithVerdicts ? word & LengthMask : uint.MaxValue;
    }

    /// <summary>True when the stored CRC matches; <paramref name="record"/> is the whole record.</summary>
    public static bool HasValidCrc(ReadOnlySpan<byte> record)
        => BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) == ComputeRecordCrc(record);

    public static SpoolRecord ReadRecord(ReadOnlyMemory<byte> record, SpoolPosition position)
    {
        ReadOnlySpan<byte> span = record.Span;
        ReadOnlyMemory<byte> body = record[RecordHeaderSize..];
        ReadOnlyMemory<byte> verdicts = default;
        if (BinaryPrimitives.ReadUInt32LittleEndian(span) >> VersionShift == VersionWithVerdicts && body.Length >= TrailerLengthSize)
        {
            uint k = BinaryPrimitives.ReadUInt32LittleEndian(body.Span[^TrailerLengthSize..]);
            // The CRC held, so a trailer longer than the payload is a writer bug: the body is left whole, and the
            // sink's decode reports it as undecodable rather than a slice cutting it at a wrong place.
            if (k <= (uint)(body.Length - TrailerLengthSize))
            {
                int bodyLength = body.Length - TrailerLengthSize - (int)k;
                verdicts = body.Slice(bodyLength, (int)k);
                body = body[..bodyLength];
            }
        }
        return new SpoolRecord(
            new Guid(span.Slice(8, 16), bigEndian: true),
            BinaryPrimitives.ReadUInt64LittleEndian(span[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[32..]),
            body,
            verdicts,
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
