using System.Buffers;
using Vpn.Perf.Ingest.Metrics;
using Vpn.Perf.Ingest.Spool;
using Vpn.Perf.Ingest.Usage;
using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Wire;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// The spool's consumer: encodes spooled batches into RowBinary, inserts them into ClickHouse in bulk
/// (on rows, bytes or age, whichever comes first) and then advances the spool checkpoint.
/// </summary>
/// <remarks>
/// Exactly once: a spooled batch can reach this loop twice (a node's retry after a 503, or a replay after a
/// crash between insert and checkpoint). Before every insert the loop asks the (node, seq) ledgers what
/// already landed and leaves those batches out; within one flush, a second copy of a batch is dropped as
/// it is read. Batches received before this process started are also re-applied to Redis (the script
/// ignores a (node, seq) it has seen), which covers a crash between the spool fsync and the Redis call.
/// </remarks>
internal sealed partial class ClickHouseSink(
    DurableSpool spool,
    ClickHouseClient clickHouse,
    UsageApplier usage,
    IngestMetrics metrics,
    IngestOptions options,
    TimeProvider time,
    ILogger<ClickHouseSink> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly PooledBufferWriter _traffic = new(1 << 20);
    private readonly PooledBufferWriter _access = new(64 << 10);
    private readonly List<PendingBatch> _batches = [];
    private readonly HashSet<(Guid, ulong)> _inFlush = [];
    private readonly byte[] _noteBuffer = new byte[Shared.Limits.MaxNoteBytes];
    private readonly long _startedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    private SpoolPosition _flushEnd;
    private int _rows;
    private long _firstReadAt;

    /// <summary>Where one batch's rows sit in the insert buffers.</summary>
    private readonly record struct PendingBatch(Guid Node, ulong Seq, int TrafficStart, int TrafficEnd, int AccessStart, int AccessEnd);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await VerifyTablesAsync(stoppingToken);
        SpoolReader reader = spool.Reader;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (_batches.Count == 0 && _rows == 0)
                {
                    if (!await reader.WaitToReadAsync(stoppingToken)) break;
                    _firstReadAt = time.GetTimestamp();
                }
                bool full = await ReadAvailableAsync(reader, stoppingToken);
                TimeSpan age = time.GetElapsedTime(_firstReadAt);
                if (full || age >= options.FlushInterval)
                {
                    await FlushWithRetryAsync(reader, stoppingToken);
                    continue;
                }
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(options.FlushInterval - age);
                try
                {
                    await reader.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    // The age deadline passed: loop round and flush what there is.
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _traffic.Dispose();
            _access.Dispose();
        }
    }

    private async Task VerifyTablesAsync(CancellationToken ct)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await TrafficTables.VerifyAsync(clickHouse, ct);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogVerifyFailed(logger, ex.Message);
                await Task.Delay(backoff, time, ct);
                backoff = Min(backoff * 2, MaxBackoff);
            }
        }
    }

    /// <summary>Encodes what the spool has; true once a threshold is reached.</summary>
    private async ValueTask<bool> ReadAvailableAsync(SpoolReader reader, CancellationToken ct)
    {
        while (_rows < options.FlushRows && _traffic.WrittenCount + _access.WrittenCount < options.FlushBytes)
        {
            if (!reader.TryRead(out SpoolRecord record)) return false;
            _flushEnd = record.End;
            if (record.ReceivedAtMs < _startedAtMs)
            {
                // The payload buffer is only valid until the next read: re-apply before reading on.
                await ReapplyToRedisAsync(record, ct);
            }
            if (!_inFlush.Add((record.NodeId, record.Seq))) continue; // the same batch twice in one flush
            Encode(record);
        }
        return true;
    }

    private void Encode(SpoolRecord record)
    {
        int trafficStart = _traffic.WrittenCount, accessStart = _access.WrittenCount;
        var encoder = new RowEncoder(_traffic, _access, _noteBuffer, record.NodeId, record.Seq, record.ReceivedAtMs, record.Verdicts);
        try
        {
            TrafficBatchParser.Parse(new ReadOnlySequence<byte>(record.Payload), ref encoder);
        }
        catch (Exception ex) when (ex is WireFormatException or ArgumentOutOfRangeException)
        {
            // Ingest validated this batch before spooling it, so this is a bug or disk damage the CRC missed.
            // Holding the whole pipeline on it would lose everything behind it; drop it, loudly.
            _traffic.Truncate(trafficStart);
            _access.Truncate(accessStart);
            LogUndecodable(logger, record.NodeId, record.Seq, record.Position.ToString(), ex.Message);
            return;
        }
        _rows += encoder.TrafficRows + encoder.AccessRows;
        _batches.Add(new PendingBatch(record.NodeId, record.Seq, trafficStart, _traffic.WrittenCount, accessStart, _access.WrittenCount));
    }

    private async Task ReapplyToRedisAsync(SpoolRecord record, CancellationToken ct)
    {
        using var batch = new BatchContext();
        // No bounds and no scope decided again: the verdicts made when the batch was accepted are read back.
        var handler = new CollectingHandler(batch, options.BucketCount, ReportBounds.None);
        try
        {
            TrafficBatchParser.Parse(new ReadOnlySequence<byte>(record.Payload), ref handler);
        }
        catch (WireFormatException)
        {
            return; // Encode logs it.
        }
        batch.ReadVerdicts(record.Verdicts.Span);
        TimeSpan backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await usage.PrepareAsync(batch, record.NodeId, record.ReceivedAtMs, [], decideScope: false, ct);
                await usage.ApplyAsync(batch, record.NodeId, record.ReceivedAtMs, [], ct);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReapplyFailed(logger, record.NodeId, record.Seq, ex.Message);
                await Task.Delay(backoff, time, ct);
                backoff = Min(backoff * 2, MaxBackoff);
            }
        }
    }

    private async Task FlushWithRetryAsync(SpoolReader reader, CancellationToken ct)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await FlushAsync(ct);
                await reader.CommitAsync(_flushEnd, ct);
                _batches.Clear();
                _inFlush.Clear();
                _traffic.Reset();
                _access.Reset();
                _rows = 0;
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                metrics.ClickHouseFailed();
                LogFlushFailed(logger, _batches.Count, _rows, ex.Message);
                await Task.Delay(backoff, time, ct);
                backoff = Min(backoff * 2, MaxBackoff);
            }
        }
    }

    /// <summary>Inserts the pending rows, leaving out every batch the ledgers say already landed.</summary>
    private async Task FlushAsync(CancellationToken ct)
    {
        if (_batches.Count == 0) return;
        var keys = new List<(Guid Node, ulong Seq)>(_batches.Count);
        foreach (PendingBatch b in _batches) keys.Add((b.Node, b.Seq));

        if (_traffic.WrittenCount > 0)
        {
            HashSet<(Guid Node, ulong Seq)> landed = await TrafficTables.LandedBatchesAsync(clickHouse, TrafficTables.TrafficBatches, keys, ct);
            int rows = await InsertAsync(TrafficTables.Traffic, TrafficTables.TrafficColumnList, _traffic, landed, static b => (b.TrafficStart, b.TrafficEnd), TrafficTables.TrafficRowBytes, ct);
            metrics.ClickHouseInserted(rows);
        }
        if (_access.WrittenCount > 0)
        {
            HashSet<(Guid Node, ulong Seq)> landed = await TrafficTables.LandedBatchesAsync(clickHouse, TrafficTables.AccessBatches, keys, ct);
            int rows = await InsertAsync(TrafficTables.AccessLog, TrafficTables.AccessLogColumnList, _access, landed, static b => (b.AccessStart, b.AccessEnd), 0, ct);
            metrics.ClickHouseInserted(rows);
        }
    }

    /// <summary>
    /// Sends the buffer as one insert. In the common case nothing landed before and the buffer goes as it is;
    /// otherwise the batches still missing are copied into a fresh buffer first. Returns the rows sent
    /// (counted exactly only for fixed-size rows; access rows are counted as batches' bytes are not rows).
    /// </summary>
    private async Task<int> InsertAsync(string table, string columns, PooledBufferWriter buffer, HashSet<(Guid Node, ulong Seq)> landed,
        Func<PendingBatch, (int Start, int End)> range, int fixedRowBytes, CancellationToken ct)
    {
        if (landed.Count == 0)
        {
            await clickHouse.InsertRowBinaryAsync(table, columns, buffer.WrittenMemory, ct);
            return fixedRowBytes > 0 ? buffer.WrittenCount / fixedRowBytes : 0;
        }
        metrics.ClickHouseSkippedLanded(landed.Count);
        LogSkippedLanded(logger, landed.Count, table);
        using var kept = new PooledBufferWriter(Math.Max(buffer.WrittenCount, 1024));
        foreach (PendingBatch b in _batches)
        {
            if (landed.Contains((b.Node, b.Seq))) continue;
            (int start, int end) = range(b);
            buffer.WrittenSpan[start..end].CopyTo(kept.GetSpan(end - start));
            kept.Advance(end - start);
        }
        if (kept.WrittenCount > 0)
        {
            await clickHouse.InsertRowBinaryAsync(table, columns, kept.WrittenMemory, ct);
        }
        return fixedRowBytes > 0 ? kept.WrittenCount / fixedRowBytes : 0;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Warning, Message = "ClickHouse tables not ready ({Error}); retrying")]
    private static partial void LogVerifyFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ClickHouse flush of {Batches} batches ({Rows} rows) failed: {Error}; retrying")]
    private static partial void LogFlushFailed(ILogger logger, int batches, int rows, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} spooled batches were already in {Table}; left out of the insert")]
    private static partial void LogSkippedLanded(ILogger logger, int count, string table);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-applying spooled batch {Seq} of node {Node} to Redis failed: {Error}; retrying")]
    private static partial void LogReapplyFailed(ILogger logger, Guid node, ulong seq, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spooled batch {Seq} of node {Node} at {Position} cannot be decoded and is dropped: {Error}")]
    private static partial void LogUndecodable(ILogger logger, Guid node, ulong seq, string position, string error);
}
