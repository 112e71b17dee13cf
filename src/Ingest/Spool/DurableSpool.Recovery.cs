using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Vpn.Perf.Ingest.Spool;

internal sealed partial class DurableSpool
{
    private static RecoveredState Recover(string directory, ILogger logger)
    {
        // A leftover temp file is a commit that never reached its rename: the old checkpoint still stands.
        File.Delete(Path.Combine(directory, SpoolFormat.CheckpointTempFileName));

        SpoolPosition? checkpoint = ReadCheckpoint(directory);
        List<ulong> ids = ListSegmentIds(directory);

        if (checkpoint is { } cp)
        {
            // Segments wholly behind the checkpoint: a commit deletes them after the checkpoint is durable, so any found
            // here are left over from a crash between the two steps.
            int stale = 0;
            while (ids.Count > 0 && ids[0] < cp.SegmentId)
            {
                File.Delete(Path.Combine(directory, SpoolFormat.SegmentFileName(ids[0])));
                ids.RemoveAt(0);
                stale++;
            }

            if (stale > 0)
            {
                SpoolLog.RemovedStaleSegments(logger, stale, cp);
            }

            if (ids.Count == 0 || ids[0] != cp.SegmentId)
            {
                ThrowHelper.ThrowCorrupt(Path.Combine(directory, SpoolFormat.SegmentFileName(cp.SegmentId)), cp.Offset,
                    "the checkpoint points into this segment, but the file is missing");
            }
        }

        for (int i = 1; i < ids.Count; i++)
        {
            if (ids[i] != ids[i - 1] + 1)
            {
                ThrowHelper.ThrowCorrupt(Path.Combine(directory, SpoolFormat.SegmentFileName(ids[i - 1] + 1)), 0,
                    string.Create(CultureInfo.InvariantCulture, $"segment files are numbered {ids[i - 1]} then {ids[i]}: the segment between is missing"));
            }
        }

        var segments = new List<SegmentState>(ids.Count + 1);
        SpoolPosition start = checkpoint ?? new SpoolPosition(ids.Count > 0 ? ids[0] : 1, SpoolFormat.SegmentHeaderSize);
        long backlogBytes = 0;
        long backlogRecords = 0;
        for (int i = 0; i < ids.Count; i++)
        {
            bool isLast = i == ids.Count - 1;
            long checkpointOffset = ids[i] == start.SegmentId ? start.Offset : -1;
            ScanResult scan = ScanSegment(directory, ids[i], isLast, checkpointOffset, logger);
            segments.Add(new SegmentState(ids[i], scan.ValidLength, isSealed: !isLast));
            backlogBytes += scan.BytesFromCheckpoint;
            backlogRecords += scan.RecordsFromCheckpoint;
        }

        SafeFileHandle writeHandle;
        if (segments.Count == 0)
        {
            writeHandle = CreateSegment(directory, start.SegmentId);
            segments.Add(new SegmentState(start.SegmentId, SpoolFormat.SegmentHeaderSize, isSealed: false));
        }
        else
        {
            writeHandle = File.OpenHandle(Path.Combine(directory, SpoolFormat.SegmentFileName(segments[^1].Id)),
                FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }

        return new RecoveredState
        {
            Segments = segments,
            Checkpoint = start,
            BacklogBytes = backlogBytes,
            BacklogRecords = backlogRecords,
            WriteHandle = writeHandle,
        };
    }

    private static SpoolPosition? ReadCheckpoint(string directory)
    {
        string path = Path.Combine(directory, SpoolFormat.CheckpointFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = RandomAccess.GetLength(handle);
        Span<byte> buffer = stackalloc byte[SpoolFormat.CheckpointSize];
        int read = length == SpoolFormat.CheckpointSize ? RandomAccess.Read(handle, buffer, 0) : 0;
        bool valid = SpoolFormat.TryReadCheckpoint(buffer[..read], out SpoolPosition position);
        if (!valid)
        {
            // The checkpoint is replaced by rename, so it is never torn: a bad one is real damage, and guessing a start
            // would either replay everything or skip data.
            ThrowHelper.ThrowCorrupt(path, 0, string.Create(CultureInfo.InvariantCulture,
                $"the checkpoint file ({length} bytes) has a bad size, magic or CRC"));
        }

        return position;
    }

    private static List<ulong> ListSegmentIds(string directory)
    {
        var ids = new List<ulong>();
        foreach (string path in System.IO.Directory.EnumerateFiles(directory, "*" + SpoolFormat.SegmentExtension))
        {
            string name = Path.GetFileName(path);
            if (!SpoolFormat.TryParseSegmentFileName(name, out ulong id))
            {
                ThrowHelper.ThrowCorrupt(path, 0, "the file name is not a 20-digit segment id");
            }

            ids.Add(id);
        }

        ids.Sort();
        return ids;
    }

    private readonly record struct ScanResult(long ValidLength, long BytesFromCheckpoint, long RecordsFromCheckpoint);

    /// <summary>Validates every record of one segment. <paramref name="checkpointOffset"/> is the checkpoint's offset when
    /// it points into this segment, -1 when the checkpoint lies in an earlier one (this whole segment is backlog).</summary>
    private static ScanResult ScanSegment(string directory, ulong segmentId, bool isLast, long checkpointOffset, ILogger logger)
    {
        string path = Path.Combine(directory, SpoolFormat.SegmentFileName(segmentId));
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, isLast ? FileAccess.ReadWrite : FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long fileLength = RandomAccess.GetLength(handle);

        Span<byte> header = stackalloc byte[SpoolFormat.SegmentHeaderSize];
        int headerRead = fileLength >= SpoolFormat.SegmentHeaderSize ? RandomAccess.Read(handle, header, 0) : 0;
        if (headerRead != SpoolFormat.SegmentHeaderSize || !SpoolFormat.IsValidSegmentHeader(header, segmentId))
        {
            // Records are written only after the header's fsync, so an invalid header with nothing after it is a crash
            // during creation of the newest segment; anything else is damage.
            if (isLast && fileLength <= SpoolFormat.SegmentHeaderSize && checkpointOffset <= SpoolFormat.SegmentHeaderSize)
            {
                RandomAccess.SetLength(handle, 0);
                Span<byte> fresh = stackalloc byte[SpoolFormat.SegmentHeaderSize];
                SpoolFormat.WriteSegmentHeader(fresh, segmentId);
                RandomAccess.Write(handle, fresh, 0);
                RandomAccess.FlushToDisk(handle);
                SpoolLog.SegmentReinitialized(logger, path, fileLength);
                return new ScanResult(SpoolFormat.SegmentHeaderSize, 0, 0);
            }

            ThrowHelper.ThrowCorrupt(path, 0, string.Create(CultureInfo.InvariantCulture,
                $"the segment header is missing or invalid (file is {fileLength} bytes; expected magic VPSPSEG1 and id {segmentId})"));
        }

        using var window = new SegmentWindow();
        long offset = SpoolFormat.SegmentHeaderSize;
        long records = 0;
        long bytesFromCheckpoint = 0;
        long recordsFromCheckpoint = 0;
        bool checkpointSeen = checkpointOffset < 0;
        string? damage = null;
        while (true)
        {
            if (offset == checkpointOffset)
            {
                checkpointSeen = true;
            }

            long remaining = fileLength - offset;
            if (remaining == 0)
            {
                break;
            }

            if (remaining < SpoolFormat.RecordHeaderSize)
            {
                damage = string.Create(CultureInfo.InvariantCulture, $"a record header is cut off ({remaining} of {SpoolFormat.RecordHeaderSize} bytes)");
                break;
            }

            uint payloadLength = SpoolFormat.ReadPayloadLength(window.Get(handle, path, offset, SpoolFormat.RecordHeaderSize, fileLength).Span);
            if (payloadLength > SpoolFormat.MaxPayloadBytes)
            {
                // Checked before the window grows: a hostile length never drives an allocation.
                damage = string.Create(CultureInfo.InvariantCulture, $"the payload length {payloadLength} exceeds the limit {SpoolFormat.MaxPayloadBytes}");
                break;
            }

            int recordLength = SpoolFormat.RecordHeaderSize + (int)payloadLength;
            if (recordLength > remaining)
            {
                damage = string.Create(CultureInfo.InvariantCulture, $"a record of {recordLength} bytes runs past the end of the file ({remaining} bytes left)");
                break;
            }

            if (!SpoolFormat.HasValidCrc(window.Get(handle, path, offset, recordLength, fileLength).Span))
            {
                damage = "the record's CRC-32C does not match its contents";
                break;
            }

            if (checkpointSeen)
            {
                bytesFromCheckpoint += recordLength;
                recordsFromCheckpoint++;
            }

            offset += recordLength;
            records++;
        }

        if (damage is not null)
        {
            long tornBytes = fileLength - offset;
            if (!isLast)
            {
                ThrowHelper.ThrowCorrupt(path, offset, damage + "; this is not the last segment, so it was fully fsynced before the next one began and cannot be a torn write");
            }

            if (tornBytes > SpoolFormat.MaxTornTailBytes)
            {
                ThrowHelper.ThrowCorrupt(path, offset, damage + string.Create(CultureInfo.InvariantCulture,
                    $"; {tornBytes} bytes follow, more than one write batch ({SpoolFormat.MaxTornTailBytes} bytes) can leave torn, so this is not a torn write"));
            }

            if (checkpointOffset > offset)
            {
                ThrowHelper.ThrowCorrupt(path, offset, damage + string.Create(CultureInfo.InvariantCulture,
                    $"; the checkpoint ({checkpointOffset}) lies beyond it, so these records were acknowledged and consumed"));
            }

            // The bytes from here on belong to the last write, which was never fsynced and so never acknowledged.
            RandomAccess.SetLength(handle, offset);
            RandomAccess.FlushToDisk(handle);
            SpoolLog.TornTailTruncated(logger, path, offset, tornBytes, damage, records);
        }

        if (!checkpointSeen)
        {
            ThrowHelper.ThrowCorrupt(path, checkpointOffset, "the checkpoint does not fall on a record boundary of this segment");
        }

        return new ScanResult(offset, bytesFromCheckpoint, recordsFromCheckpoint);
    }
}
