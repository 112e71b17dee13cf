using System.Buffers;
using Vpn.Perf.Ingest.Metrics;
using Vpn.Perf.Ingest.Spool;
using Vpn.Perf.Shared.Buffers;
using Vpn.Perf.Shared.ClickHouse;
using Vpn.Perf.Shared.Wire;
using Vpn.Perf.Shared.Wire.TrafficReport;

namespace Vpn.Perf.Ingest.ClickHouse;

/// <summary>
/// The spool's consumer: encodes spooled batches into RowBinary, inserts them into ClickHouse in bulk
/// (on rows, bytes or age, whichever comes first) and then advances the spool checkpoint. On shards
/// (<see cref="ClickHouseTargets"/>) each row goes to its subscription's shard, and every step of a flush after the claim
/// (ledger reads, inserts) runs on all shards at once, each shard judged by its own ledgers.
/// </summary>
/// <remarks>
/// Exactly once: a spooled batch can reach this loop twice (a node's retry after a 503, or a replay after a
/// crash between insert and checkpoint), and the spools of several instances can each hold it (a retry that
/// reached another instance). Before every insert the loop claims its batches in Redis (<see cref="BatchClaims"/>),
/// then asks the (node, seq) ledgers what already landed, and inserts only what it holds and the ledgers lack; a
/// batch another instance holds is waited for until the ledgers list it or the claim lapses. Within one flush, a
/// second copy of a batch is dropped as it is read. A flush that landed on some shards and failed on others is retried as a
/// whole: the shards whose ledgers list a batch leave it out, the others insert it. The batches the spool recovered at
/// open are also re-applied to Redis as they are read (<see cref="RecoveryReplay"/>).
/// </remarks>
internal sealed partial class ClickHouseSink(
    DurableSpool spool,
    ClickHouseTargets clickHouse,
    RecoveryReplay replay,
    BatchClaims claims,
    IngestMetrics metrics,
    IngestOptions options,
    TimeProvider time,
    ILogger<ClickHouseSink> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    // Another instance's claim normally goes within its flush: look again soon, and every few seconds at most.
    private static readonly TimeSpan MaxClaimWait = TimeSpan.FromSeconds(5);

    private readonly ShardBuffers[] _shards = CreateBuffers(clickHouse);
    private readonly List<(Guid Node, ulong Seq)> _batches = [];
    private readonly HashSet<(Guid, ulong)> _inFlush = [];
    // Batches of the pending flush already stored (by this instance or, per the ledgers, another) while it waits for the rest.
    private readonly HashSet<(Guid, ulong)> _stored = [];
    private readonly byte[] _noteBuffer = new byte[Shared.Limits.MaxNoteBytes];
    private SpoolPosition _flushEnd;
    private int _rows;
    private int _bytes;
    private long _firstReadAt;

    /// <summary>What a shard's ledgers list of the pending batches.</summary>
    private readonly record struct Landed(HashSet<(Guid Node, ulong Seq)> Traffic, HashSet<(Guid Node, ulong Seq)> Access);

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
            DisposeBuffers();
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
            DisposeBuffers();
        }
    }

    private async Task VerifyTablesAsync(CancellationToken ct)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                foreach (ClickHouseClient shard in clickHouse.Shards) await TrafficTables.VerifyAsync(shard, clickHouse.Tables, ct);
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
        while (_rows < options.FlushRows && _bytes < options.FlushBytes)
        {
            if (!reader.TryRead(out SpoolRecord record)) return false;
            _flushEnd = record.End;
            if (replay.Covers(record))
            {
                // The payload buffer is only valid until the next read: re-apply before reading on.
                await replay.ReapplyAsync(record, ct);
            }
            if (!_inFlush.Add((record.NodeId, record.Seq))) continue; // the same batch twice in one flush
            Encode(record);
        }
        return true;
    }

    private void Encode(SpoolRecord record)
    {
        try
        {
            // The choice of shard is a type argument: on one server the encoder is what it was before shards.
            if (_shards.Length == 1)
                Encode(record, new OneShard());
            else
                Encode(record, new HashedShards(_shards.Length));
        }
        catch (Exception ex) when (ex is WireFormatException or ArgumentOutOfRangeException)
        {
            // Ingest validated this batch before spooling it, so this is a bug or disk damage the CRC missed.
            // Holding the whole pipeline on it would lose everything behind it; drop it, loudly.
            foreach (ShardBuffers shard in _shards) shard.Undo();
            LogUndecodable(logger, record.NodeId, record.Seq, record.Position.ToString(), ex.Message);
            return;
        }
        _rows = 0;
        _bytes = 0;
        foreach (ShardBuffers shard in _shards)
        {
            shard.Complete();
            _rows += shard.TrafficRows + shard.AccessRows;
            _bytes += shard.Traffic.WrittenCount + shard.Access.WrittenCount;
        }
        _batches.Add((record.NodeId, record.Seq));
    }

    private void Encode<TShards>(SpoolRecord record, TShards choice) where TShards : struct, IShardChoice
    {
        var encoder = new RowEncoder<TShards>(_shards, choice, _noteBuffer, record.NodeId, record.Seq, record.ReceivedAtMs, record.Verdicts);
        TrafficBatchParser.Parse(new ReadOnlySequence<byte>(record.Payload), TrafficBatchLimits.Default, ref encoder);
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
                    foreach (ShardBuffers shard in _shards) shard.Reset();
                    _rows = 0;
                    _bytes = 0;
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
    /// and one of their holders. Called again after a wait, it leaves out what it stored before. On shards, the ledger
    /// reads and then the inserts run on every shard at once, each shard's inserts leaving out what its own ledgers list.
    /// </summary>
    private async Task<(int Waiting, string? Holder)> FlushAsync(CancellationToken ct)
    {
        var keys = new List<(Guid Node, ulong Seq)>(_batches.Count);
        foreach ((Guid Node, ulong Seq) key in _batches)
        {
            if (!_stored.Contains(key)) keys.Add(key);
        }
        if (keys.Count == 0) return (0, null);

        Dictionary<(Guid Node, ulong Seq), string> heldElsewhere;
        var ledgers = new Task<Landed>[_shards.Length];
        while (true)
        {
            long claimedAt = time.GetTimestamp();
            heldElsewhere = await claims.ClaimAsync(keys, ct);
            // Read after the claim: whatever an earlier holder inserted is in the ledgers by now (see BatchClaims).
            // Every shard at once, and each on its own: a shard that fails does not keep the others from their inserts.
            for (int s = 0; s < _shards.Length; s++) ledgers[s] = ReadLedgersAsync(_shards[s], keys, ct);
            await Task.WhenAll((IEnumerable<Task>)ledgers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (claims.LeavesTimeForInserts(claimedAt)) break;
            // The lease covers this unless the process stood still (a pause, a frozen VM): renew the claims first.
            LogClaimsAged(logger, keys.Count, claims.Lease.TotalSeconds);
        }

        var landed = new Landed?[_shards.Length]; // null: that shard's ledgers could not be read
        for (int s = 0; s < _shards.Length; s++) landed[s] = ledgers[s].IsCompletedSuccessfully ? await ledgers[s] : null;

        int waiting = 0;
        string? holder = null;
        for (int i = 0; i < _batches.Count; i++)
        {
            (Guid Node, ulong Seq) key = _batches[i];
            if (_stored.Contains(key) || !heldElsewhere.TryGetValue(key, out string? owner)) continue;
            if (LandedEverywhere(i, landed))
            {
                _stored.Add(key); // the other instance stored it
                continue;
            }
            waiting++;
            holder = owner;
        }

        // A shard whose ledgers failed inserts nothing: its failed read stands for its inserts.
        var inserts = new Task[_shards.Length];
        for (int s = 0; s < _shards.Length; s++) inserts[s] = landed[s] is { } l ? InsertShardAsync(_shards[s], l, heldElsewhere, ct) : ledgers[s];
        // Every shard's inserts end, landed or not, before the flush fails: its retry must not race an insert still in flight.
        await Task.WhenAll(inserts).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        ct.ThrowIfCancellationRequested();
        foreach (Task insert in inserts)
        {
            // A shard failed: the flush is retried as a whole, and each shard's ledgers then leave out what landed there.
            if (!insert.IsCompletedSuccessfully) await insert;
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

    /// <summary>One shard's ledgers. A ledger whose table gets no rows from this flush has nothing to say about it (most batches carry no access events).</summary>
    private async Task<Landed> ReadLedgersAsync(ShardBuffers shard, List<(Guid Node, ulong Seq)> keys, CancellationToken ct) => new(
        shard.Traffic.WrittenCount > 0 ? await TrafficTables.LandedBatchesAsync(shard.Client, clickHouse.Tables.TrafficBatches, keys, ct) : [],
        shard.Access.WrittenCount > 0 ? await TrafficTables.LandedBatchesAsync(shard.Client, clickHouse.Tables.AccessBatches, keys, ct) : []);

    /// <summary>True when every shard that gets rows of pending batch <paramref name="index"/> lists it in its ledgers.</summary>
    private bool LandedEverywhere(int index, Landed?[] landed)
    {
        (Guid Node, ulong Seq) key = _batches[index];
        for (int s = 0; s < _shards.Length; s++)
        {
            ShardBatch b = _shards[s].Batches[index];
            if (b.TrafficEnd == b.TrafficStart && b.AccessEnd == b.AccessStart) continue;
            if (landed[s] is not { } l) return false;
            if (b.TrafficEnd != b.TrafficStart && !l.Traffic.Contains(key)) return false;
            if (b.AccessEnd != b.AccessStart && !l.Access.Contains(key)) return false;
        }
        return true;
    }

    private async Task InsertShardAsync(ShardBuffers shard, Landed landed, Dictionary<(Guid Node, ulong Seq), string> heldElsewhere, CancellationToken ct)
    {
        if (shard.Traffic.WrittenCount > 0)
        {
            int rows = await InsertAsync(shard, clickHouse.Tables.Traffic, TrafficTables.TrafficColumns, shard.Traffic, landed.Traffic, heldElsewhere,
                static b => (b.TrafficStart, b.TrafficEnd, b.TrafficRows), shard.TrafficOrder, ct);
            metrics.ClickHouseInserted(rows);
        }
        if (shard.Access.WrittenCount > 0)
        {
            int rows = await InsertAsync(shard, clickHouse.Tables.AccessLog, TrafficTables.AccessLogColumns, shard.Access, landed.Access, heldElsewhere,
                static b => (b.AccessStart, b.AccessEnd, b.AccessRows), order: null, ct);
            metrics.ClickHouseInserted(rows);
        }
    }

    /// <summary>
    /// Sends the batches of one shard's buffer that this instance holds and <paramref name="landed"/> (that shard's
    /// ledger) lacks, as one insert. With an <paramref name="order"/> (traffic's fixed-size rows) they go in the Native
    /// format in the table's key order; otherwise as RowBinary: in the common case of every batch the buffer as it is, a
    /// part of it copied into a fresh buffer first. Returns the rows sent.
    /// </summary>
    private async Task<int> InsertAsync(ShardBuffers shard, string table, IReadOnlyList<ClickHouseColumn> columns, PooledBufferWriter buffer, HashSet<(Guid Node, ulong Seq)> landed,
        Dictionary<(Guid Node, ulong Seq), string> heldElsewhere, Func<ShardBatch, (int Start, int End, int Rows)> range,
        TrafficRowOrder? order, CancellationToken ct)
    {
        int withRows = 0, skippedLanded = 0, left = 0, rows = 0;
        for (int i = 0; i < _batches.Count; i++)
        {
            (Guid Node, ulong Seq) key = _batches[i];
            (int start, int end, int batchRows) = range(shard.Batches[i]);
            if (start == end) continue; // none of its rows go to this table of this shard
            withRows++;
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
                rows += batchRows;
            }
        }
        if (skippedLanded > 0)
        {
            metrics.ClickHouseSkippedLanded(skippedLanded);
            LogSkippedLanded(logger, skippedLanded, table, shard.Client.Options.Endpoint);
        }
        if (left == withRows) return 0;
        if (order is not null)
        {
            order.Clear();
            for (int i = 0; i < _batches.Count; i++)
            {
                (int start, int end, _) = range(shard.Batches[i]);
                if (Sends(i, start, end)) order.Add(buffer.WrittenSpan, start, end);
            }
            await shard.Client.InsertNativeAsync(table, columns, buffer.WrittenMemory, order.Sort(), ct);
            return rows;
        }
        if (left == 0)
        {
            await shard.Client.InsertRowBinaryAsync(table, ClickHouseColumn.JoinNames(columns), buffer.WrittenMemory, ct);
            return rows;
        }
        using var kept = new PooledBufferWriter(Math.Max(buffer.WrittenCount, 1024));
        for (int i = 0; i < _batches.Count; i++)
        {
            (int start, int end, _) = range(shard.Batches[i]);
            if (!Sends(i, start, end)) continue;
            buffer.WrittenSpan[start..end].CopyTo(kept.GetSpan(end - start));
            kept.Advance(end - start);
        }
        await shard.Client.InsertRowBinaryAsync(table, ClickHouseColumn.JoinNames(columns), kept.WrittenMemory, ct);
        return rows;

        bool Sends(int i, int start, int end)
        {
            (Guid Node, ulong Seq) key = _batches[i];
            return start != end && !_stored.Contains(key) && !heldElsewhere.ContainsKey(key) && !landed.Contains(key);
        }
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

    private static ShardBuffers[] CreateBuffers(ClickHouseTargets targets)
    {
        var buffers = new ShardBuffers[targets.Shards.Count];
        for (int s = 0; s < buffers.Length; s++) buffers[s] = new ShardBuffers(targets.Shards[s]);
        return buffers;
    }

    private void DisposeBuffers()
    {
        foreach (ShardBuffers shard in _shards) shard.Dispose();
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} spooled batches were already in {Table} at {Server}; left out of the insert")]
    private static partial void LogSkippedLanded(ILogger logger, int count, string table, Uri server);

    [LoggerMessage(Level = LogLevel.Error, Message = "Spooled batch {Seq} of node {Node} at {Position} cannot be decoded and is dropped: {Error}")]
    private static partial void LogUndecodable(ILogger logger, Guid node, ulong seq, string position, string error);
}
