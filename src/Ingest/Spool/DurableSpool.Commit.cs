using Microsoft.Win32.SafeHandles;
using Vpn.Perf.Shared.Storage;

namespace Vpn.Perf.Ingest.Spool;

internal sealed partial class DurableSpool
{
    /// <summary>Makes <paramref name="upTo"/> the durable checkpoint and deletes the segments wholly behind it.
    /// Called by <see cref="SpoolReader.CommitAsync"/>, which has checked that upTo lies between the last commit and
    /// the read position. Returns the (normalised) checkpoint.</summary>
    internal SpoolPosition Commit(SpoolPosition upTo)
    {
        SpoolPosition previous;
        lock (_stateLock)
        {
            previous = _committed;

            // The end of a sealed segment is the start of the next: normalising lets that segment be deleted now.
            for (int i = 0; i < _segments.Count - 1; i++)
            {
                SegmentState segment = _segments[i];
                if (segment.Id == upTo.SegmentId && segment.IsSealed && upTo.Offset == segment.DurableLength)
                {
                    upTo = new SpoolPosition(segment.Id + 1, SpoolFormat.SegmentHeaderSize);
                }
            }
        }

        if (upTo <= previous)
        {
            return previous;
        }

        WriteCheckpointFile(upTo);

        List<ulong>? toDelete = null;
        long released;
        lock (_stateLock)
        {
            released = BytesBetween(previous, upTo);
            _committed = upTo;
            while (_segments.Count > 1 && _segments[0].Id < upTo.SegmentId)
            {
                (toDelete ??= []).Add(_segments[0].Id);
                _segments.RemoveAt(0);
            }
        }

        Interlocked.Add(ref _backlogBytes, -released);

        if (toDelete is not null)
        {
            // No directory fsync needed: a deleted segment that reappears after a crash lies behind the durable
            // checkpoint and is removed again by Open.
            foreach (ulong id in toDelete)
            {
                File.Delete(SegmentPath(id));
            }
        }

        return upTo;
    }

    /// <summary>Record bytes between two positions (segment headers excluded). Caller holds the state lock.</summary>
    private long BytesBetween(SpoolPosition from, SpoolPosition to)
    {
        if (from.SegmentId == to.SegmentId)
        {
            return to.Offset - from.Offset;
        }

        long bytes = 0;
        foreach (SegmentState segment in _segments)
        {
            if (segment.Id == from.SegmentId)
            {
                bytes += segment.DurableLength - from.Offset;
            }
            else if (segment.Id > from.SegmentId && segment.Id < to.SegmentId)
            {
                bytes += segment.DurableLength - SpoolFormat.SegmentHeaderSize;
            }
        }

        return bytes + (to.Offset - SpoolFormat.SegmentHeaderSize);
    }

    /// <summary>write temp + fsync + rename + fsync directory: after a crash either the old or the new checkpoint is there,
    /// whole.</summary>
    private void WriteCheckpointFile(SpoolPosition position)
    {
        string temp = Path.Combine(_directory, SpoolFormat.CheckpointTempFileName);
        Span<byte> bytes = stackalloc byte[SpoolFormat.CheckpointSize];
        SpoolFormat.WriteCheckpoint(bytes, position);
        using (SafeFileHandle handle = File.OpenHandle(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, bytes, 0);
            RandomAccess.FlushToDisk(handle);
        }

        File.Move(temp, Path.Combine(_directory, SpoolFormat.CheckpointFileName), overwrite: true);
        PosixSync.Fsync(_directory);
    }
}
