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
/// crash between insert and checkpoint), and the spools of several instances can each hold it (a retry that
/// reached another instance). Before every insert the loop claims its batches in Redis (<see cref="BatchClaims"/>),
/// then asks the (node, seq) ledgers what already landed, and inserts only what it holds and the ledgers lack; a
/// batch another instance holds is waited for until the ledgers list it or the claim lapses. Within one flush, a
/// second copy of a batch is dropped as it is read. Batches received before this process started are also re-applied to Redis (the script
/// ignores a (node, seq) it has seen), which covers a crash between the spool fsync and the Redis call.
/// </remarks>
internal sealed partial class ClickHouseSink(
    DurableSpool spool,
    ClickHouseClient clickHouse,
    UsageApplier usage,
    BatchClaims claims,
    IngestMetrics metrics,
    IngestOptions options,
    TimeProvider time,
    ILogger<ClickHouseSink> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    // Another instance's claim normally goes within its flush: look again soon, and every few seconds at most.
    private static readonly TimeSpan MaxClaimWait = TimeSpan.FromSeconds(5);

    private readonly PooledBufferWriter _traffic = new(1 << 20);
    private readonly PooledBufferWriter _access = new(64 << 10);
    private readonly List<PendingBatch> _batches = [];
    private readonly HashSet<(Guid, ulong)> _inFlush = [];
    // Batches of the pending flush already stored (by this instance or, per the ledgers, another) while it waits for the rest.
    private readonly HashSet<(Guid, ulong)> _stored = [];
    private readonly byte[] _noteBuffer = new byte[Shared.Limits.MaxNoteBytes];
    private readonly long _startedAtMs = time.GetUtcNow().ToUnixTimeMilliseconds();
    private SpoolPosition _flushEnd;
    private int _rows;
    private long _firstReadAt;

    /// <summary>Where one batch's rows sit in the insert buffers.</summary>
    private readonly record struct PendingBatch(Guid Node, ulong Seq, int TrafficStart, int TrafficEnd, int TrafficRows, int AccessStart, int AccessEnd, int AccessRows);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogOwner(logger, claims.Owner);
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

    /// <summary>
    /// Stores everything the spool holds after its checkpoint and returns (the <c>drain-spool</c> command, with nothing
    /// appending meanwhile): the path of a running instance, so every batch is re-applied to Redis (all were received
    /// before this process started) and inserted under claims, after the ledgers. Failures are retried until
    /// <paramref name="ct"/> is cancelled. Instead of running the service, not beside it.
    /// </summary>
    public async Task DrainAsync(CancellationToken ct)
    {
        LogOwner(logger, claims.Owner);
        await VerifyTablesAsync(ct);
        SpoolReader reader = spool.Reader;
        try
        {
            bool more;
            do
            {
                more = await ReadAvailableAsync(reader, ct); // false: nothing left to read
                await FlushWithRetryAsync(reader, ct);
            }
            while (more);
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
            TrafficBatchParser.Parse(new ReadOnlySequence<byte>(record.Payload), TrafficBatchLimits.Default, ref encoder);
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
        _batches.Add(new PendingBatch(record.NodeId, record.Seq, trafficStart, _traffic.WrittenCount, encoder.TrafficRows,
            accessStart, _access.WrittenCount, encoder.AccessRows));
    }

    private async Task ReapplyToRedisAsync(SpoolRecord record, CancellationToken ct)
    {
        using var batch = new BatchContext();
        // No bounds and no scope decided again: the verdicts made when the batch was accepted are read back.
        var handler = new CollectingHandler(batch, options.BucketCount, ReportBounds.None);
        try
        {
            TrafficBatchParser.Parse(new ReadOnlySequence<byte>(record.Payload), TrafficBatchLimits.Default, ref handler);
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
        TimeSpan claimWait = TimeSpan.FromMilliseconds(250);
        bool waited = false;
        while (true)
        {
            try
            {
                (int waiting, string? holder) = await FlushAsync(ct);
                if (waiting == 0)
                {
                    await reader.CommitAsync(_flushEnd, ct);
                    _batches.Clear();
                    _inFlush.Clear();
                    _stored.Clear();
                    _traffic.Reset();
                    _access.Reset();
                    _rows = 0;
                    return;
                }
                // Another instance claimed these batches and has not stored them yet: it is inserting them, or it died
                // holding the claim, which then lapses. The checkpoint cannot pass them meanwhile, so the sink waits.
                metrics.ClaimWaited();
                if (!waited) LogClaimWait(logger, waiting, holder!, claims.Lease.TotalSeconds);
                waited = true;
                await Task.Delay(claimWait, time, ct);
                claimWait = Min(claimWait * 2, MaxClaimWait);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                if (RedisFailure.Is(ex))
                {
                    // Without the claims nothing may be inserted; the spool holds the rows meanwhile.
                    metrics.ClaimFailed();
                    LogClaimFailed(logger, _batches.Count, ex.Message);
                }
                else
                {
                    metrics.ClickHouseFailed();
                    LogFlushFailed(logger, _batches.Count, _rows, ex.Message);
                }
                await Task.Delay(backoff, time, ct);
                backoff = Min(backoff * 2, MaxBackoff);
            }
        }
    }

    /// <summary>
    /// Claims the pending batches (<see cref="BatchClaims"/>), then asks the (node, seq) ledgers what already landed, then
    /// inserts what this instance holds and the ledgers lack. A batch another instance holds is not inserted here: it
    /// counts as stored once the ledgers list it. Returns how many such batches are still missing (0: the flush is done)
    /// and one of their holders. Called again after a wait, it leaves out what it stored before.
    /// </summary>
    private async Task<(int Waiting, string? Holder)> FlushAsync(CancellationToken ct)
    {
        var keys = new List<(Guid Node, ulong Seq)>(_batches.Count);
        foreach (PendingBatch b in _batches)
        {
            if (!_stored.Contains((b.Node, b.Seq))) keys.Add((b.Node, b.Seq));
        }
        if (keys.Count == 0) return (0, null);

        Dictionary<(Guid Node, ulong Seq), string> heldElsewhere;
        HashSet<(Guid Node, ulong Seq)> inTraffic, inAccess;
        while (true)
        {
            long claimedAt = time.GetTimestamp();
            heldElsewhere = await claims.ClaimAsync(keys, ct);
            // Read after the claim: whatever an earlier holder inserted is in the ledgers by now (see BatchClaims).
            // A ledger whose table gets no rows from this flush has nothing to say about it (most batches carry no access events).
            inTraffic = _traffic.WrittenCount > 0 ? await TrafficTables.LandedBatchesAsync(clickHouse, TrafficTables.TrafficBatches, keys, ct) : [];
            inAccess = _access.WrittenCount > 0 ? await TrafficTables.LandedBatchesAsync(clickHouse, TrafficTables.AccessBatches, keys, ct) : [];
            if (claims.LeavesTimeForInserts(claimedAt)) break;
            // The lease covers this unless the process stood still (a pause, a frozen VM): renew the claims first.
            LogClaimsAged(logger, keys.Count, claims.Lease.TotalSeconds);
        }

        int waiting = 0;
        string? holder = null;
        foreach (PendingBatch b in _batches)
        {
            var key = (b.Node, b.Seq);
            if (_stored.Contains(key) || !heldElsewhere.TryGetValue(key, out string? owner)) continue;
            if ((b.TrafficEnd == b.TrafficStart || inTraffic.Contains(key)) && (b.AccessEnd == b.AccessStart || inAccess.Contains(key)))
            {
                _stored.Add(key); // the other instance stored it
                continue;
            }
            waiting++;
            holder = owner;
        }

        if (_traffic.WrittenCount > 0)
        {
            int rows = await InsertAsync(TrafficTables.Traffic, TrafficTables.TrafficColumnList, _traffic, inTraffic, heldElsewhere,
                static b => (b.TrafficStart, b.TrafficEnd, b.TrafficRows), ct);
            metrics.ClickHouseInserted(rows);
        }
        if (_access.WrittenCount > 0)
        {
            int rows = await InsertAsync(TrafficTables.AccessLog, TrafficTables.AccessLogColumnList, _access, inAccess, heldElsewhere,
                static b => (b.AccessStart, b.AccessEnd, b.AccessRows), ct);
            metrics.ClickHouseInserted(rows);
        }

        var mine = new List<(Guid Node, ulong Seq)>(keys.Count - heldElsewhere.Count);
        foreach ((Guid Node, ulong Seq) key in keys)
        {
            if (heldElsewhere.ContainsKey(key)) continue;
            _stored.Add(key);
            mine.Add(key);
        }
        await ReleaseAsync(mine, ct);
        return (waiting, holder);
    }

    /// <summary>
    /// Sends the batches of the buffer that this instance holds and <paramref name="landed"/> lacks, as one insert. In
    /// the common case that is every batch and the buffer goes as it is; otherwise the batches to send are copied into a
    /// fresh buffer first. Returns the rows sent.
    /// </summary>
    private async Task<int> InsertAsync(string table, string columns, PooledBufferWriter buffer, HashSet<(Guid Node, ulong Seq)> landed,
        Dictionary<(Guid Node, ulong Seq), string> heldElsewhere, Func<PendingBatch, (int Start, int End, int Rows)> range,
        CancellationToken ct)
    {
        int skippedLanded = 0, left = 0, rows = 0;
        foreach (PendingBatch b in _batches)
        {
            var key = (b.Node, b.Seq);
            if (_stored.Contains(key) || heldElsewhere.ContainsKey(key))
            {
                left++;
            }
            else if (landed.Contains(key))
            {
                skippedLanded++;
                left++;
            }
            else
            {
                rows += range(b).Rows;
            }
        }
        if (skippedLanded > 0)
        {
            metrics.ClickHouseSkippedLanded(skippedLanded);
            LogSkippedLanded(logger, skippedLanded, table);
        }
        if (left == _batches.Count) return 0;
        if (left == 0)
        {
            await clickHouse.InsertRowBinaryAsync(table, columns, buffer.WrittenMemory, ct);
            return rows;
        }
        using var kept = new PooledBufferWriter(Math.Max(buffer.WrittenCount, 1024));
        foreach (PendingBatch b in _batches)
        {
            var key = (b.Node, b.Seq);
            if (_stored.Contains(key) || heldElsewhere.ContainsKey(key) || landed.Contains(key)) continue;
            (int start, int end, _) = range(b);
            buffer.WrittenSpan[start..end].CopyTo(kept.GetSpan(end - start));
            kept.Advance(end - start);
        }
        if (kept.WrittenCount > 0)
        {
            await clickHouse.InsertRowBinaryAsync(table, columns, kept.WrittenMemory, ct);
        }
        return rows;
    }

    /// <summary>Releases the claims of stored batches. Best effort: a claim left behind lapses with its lease and holds nobody up, since its batch is in the ledgers.</summary>
    private async Task ReleaseAsync(List<(Guid Node, ulong Seq)> stored, CancellationToken ct)
    {
        if (stored.Count == 0) return;
        try
        {
            await claims.ReleaseAsync(stored, ct);
        }
        catch (Exception ex) when (RedisFailure.Is(ex))
        {
            LogReleaseFailed(logger, stored.Count, ex.Message);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Warning, Message = "ClickHouse tables not ready ({Error}); retrying")]
    private static partial void LogVerifyFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ClickHouse flush of {Batches} batches ({Rows} rows) failed: {Error}; retrying")]
    private static partial void LogFlushFailed(ILogger logger, int batches, int rows, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Claiming {Batches} batches for the ClickHouse insert failed in Redis: {Error}; retrying (nothing is inserted unclaimed)")]
    private static partial void LogClaimFailed(ILogger logger, int batches, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Batches} batches of this flush are claimed by Ingest instance {Holder} and not stored yet; waiting for it (or for its claim to lapse, lease {LeaseSeconds} s)")]
    private static partial void LogClaimWait(ILogger logger, int batches, string holder, double leaseSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The claims on {Batches} batches are too old to insert under when the ledgers answered (lease {LeaseSeconds} s); claiming again")]
    private static partial void LogClaimsAged(ILogger logger, int batches, double leaseSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Releasing the claims of {Batches} stored batches failed: {Error}; they lapse with their lease")]
    private static partial void LogReleaseFailed(ILogger logger, int batches, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "ClickHouse sink claims batches as Ingest instance {Owner} (the spool's id)")]
    private static partial void LogOwner(ILogger logger, string owner);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} spooled batches were already in {Table}; left out of the insert")]
    private static partial void LogSkippedLanded(ILogger logger, int count, string table);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-applying spooled batch {Seq} of node {Node} to Redis failed: {Error}; retrying")]
    private static partial void LogReapplyFailed(ILogger logger, Guid node, ulong seq, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spooled batch {Seq} of node {Node} at {Position} cannot be decoded and is dropped: {Error}")]
    private static partial void LogUndecodable(ILogger logger, Guid node, ulong seq, string position, string error);
}
