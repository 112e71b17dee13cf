using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Vpn.Perf.Ingest.Spool;

/// <summary>
/// The spool's single consumer: reads records in append order, starting at the durable checkpoint, and commits how far
/// downstream has safely taken them. Only fsynced records are visible. After a crash the records after the checkpoint are
/// read again; downstream deduplicates by (node, seq). Not thread-safe: use from one loop, e.g.
/// <c>while (await r.WaitToReadAsync(ct)) while (r.TryRead(out var rec)) { ... } ... await r.CommitAsync(last.End, ct);</c>
/// </summary>
internal sealed class SpoolReader : IDisposable
{
    private readonly DurableSpool _spool;
    private readonly SegmentWindow _window = new();
    private SafeFileHandle? _handle;
    private ulong _segmentId;
    private long _offset;
    private SpoolPosition _committed;
    private bool _disposed;

    internal SpoolReader(DurableSpool spool, SpoolPosition start)
    {
        _spool = spool;
        _segmentId = start.SegmentId;
        _offset = start.Offset;
        _committed = start;
    }

    /// <summary>Where the next record will be read from.</summary>
    public SpoolPosition Position => new(_segmentId, _offset);

    /// <summary>The last committed position.</summary>
    public SpoolPosition Committed => _committed;

    /// <summary>Completes with true once a record can be read, false when the spool is disposed with nothing left.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ct.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(ct);
        }

        return HasData() ? new ValueTask<bool>(true) : WaitSlowAsync(ct);
    }

    private async ValueTask<bool> WaitSlowAsync(CancellationToken ct)
    {
        var signal = _spool.ReadSignal;
        while (true)
        {
            // Drain, then look: the writer publishes before it signals, so a publish we miss here raises a fresh signal.
            while (signal.TryRead(out _))
            {
            }

            if (HasData())
            {
                return true;
            }

            if (!await signal.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                return !_disposed && HasData();
            }
        }
    }

    /// <summary>
    /// Reads the next durable record, or returns false when there is none yet. The record's <see cref="SpoolRecord.Payload"/>
    /// lives in this reader's pooled buffer until the next <see cref="TryRead"/>/<see cref="WaitToReadAsync"/> call or
    /// disposal. Reads are synchronous positional reads, normally served by the page cache (the data was just written);
    /// one read loads up to 1 MiB of records. Throws <see cref="SpoolCorruptException"/> if durable data fails its check.
    /// </summary>
    public bool TryRead(out SpoolRecord record)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!HasData())
        {
            record = default;
            return false;
        }

        _spool.TryGetSegmentState(_segmentId, out long durable, out _);
        string path = _spool.SegmentPath(_segmentId);
        _handle ??= File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        // Durable bytes always hold whole records (the writer publishes after each complete batch), so anything that does
        // not parse is damage, not a partial write. Both limits are checked before the window grows.
        if (durable - _offset < SpoolFormat.RecordHeaderSize)
        {
            ThrowHelper.ThrowCorrupt(path, _offset, "the durable region ends inside a record header");
        }

        uint payloadLength = SpoolFormat.ReadPayloadLength(_window.Get(_handle, path, _offset, SpoolFormat.RecordHeaderSize, durable).Span);
        if (payloadLength > SpoolFormat.MaxPayloadBytes || SpoolFormat.RecordHeaderSize + payloadLength > durable - _offset)
        {
            ThrowHelper.ThrowCorrupt(path, _offset, string.Create(CultureInfo.InvariantCulture,
                $"the payload length {payloadLength} exceeds the limit {SpoolFormat.MaxPayloadBytes} or the durable region"));
        }

        int recordLength = SpoolFormat.RecordHeaderSize + (int)payloadLength;
        ReadOnlyMemory<byte> bytes = _window.Get(_handle, path, _offset, recordLength, durable);
        if (!SpoolFormat.HasValidCrc(bytes.Span))
        {
            ThrowHelper.ThrowCorrupt(path, _offset, "the record's CRC-32C does not match its contents");
        }

        record = SpoolFormat.ReadRecord(bytes, Position);
        _offset += recordLength;
        return true;
    }

    /// <summary>
    /// Durably records that every record before <paramref name="upTo"/> (normally the last consumed record's
    /// <see cref="SpoolRecord.End"/>) is downstream: the checkpoint is replaced atomically (temp file, fsync, rename,
    /// directory fsync), segments wholly behind it are deleted and <see cref="DurableSpool.BacklogBytes"/> shrinks. Blocking file IO
    /// of about two fsyncs, done on the calling (consumer) thread; commit per downstream batch, not per record.
    /// </summary>
    public Task CommitAsync(SpoolPosition upTo, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (ct.IsCancellationRequested)
        {
            return Task.FromCanceled(ct);
        }

        if (upTo > Position)
        {
            ThrowHelper.ThrowInvalidCommit(upTo, _committed, Position);
        }

        if (upTo <= _committed)
        {
            return Task.CompletedTask; // already durable (repeating a commit is harmless)
        }

        _committed = _spool.Commit(upTo);
        return Task.CompletedTask;
    }

    /// <summary>True when a record is available at the read position; steps over the ends of sealed segments.</summary>
    private bool HasData()
    {
        while (true)
        {
            if (!_spool.TryGetSegmentState(_segmentId, out long durable, out bool isSealed))
            {
                // Our segment was deleted by a commit that normalised its end to the next segment's start.
                MoveTo(Math.Max(_segmentId + 1, _spool.FirstSegmentId()));
                continue;
            }

            if (_offset < durable)
            {
                return true;
            }

            if (!isSealed)
            {
                return false;
            }

            MoveTo(_segmentId + 1);
        }
    }

    private void MoveTo(ulong segmentId)
    {
        _handle?.Dispose();
        _handle = null;
        _window.Invalidate();
        _segmentId = segmentId;
        _offset = SpoolFormat.SegmentHeaderSize;
    }

    /// <summary>Closes the segment handle and returns the buffer. Disposed with the spool.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _handle?.Dispose();
        _handle = null;
        _window.Dispose();
    }
}
