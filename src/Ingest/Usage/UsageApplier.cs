using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using StackExchange.Redis;
using Vpn.Perf.Ingest.StateSync;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>Outcome of applying one batch to the usage counters.</summary>
internal readonly record struct UsageOutcome(bool Duplicate);

/// <summary>
/// Applies batches to the Redis usage counters. Requests hand their batch to one loop that gathers every
/// batch waiting at that moment into a round and sends one script call per key bucket for the whole round
/// (pipelined, each atomic on one slot). The fixed cost of a script call is then shared by all the batches
/// of the round instead of being paid for every few reports, which is what makes the Redis stage scale:
/// a lone batch still goes out at once, and a busy server gets larger rounds. Within a call, the reports that
/// count for the same usage key (a heavy user seen by many nodes, or on several inbounds of one node) are summed
/// first, so Redis does one increment per distinct key of the round rather than one per report.
/// </summary>
/// <remarks>
/// A round fails per bucket: the batches with reports in a failed bucket get the exception (so their
/// request answers 503 and the node retries), while the buckets that succeeded stay applied; the retry
/// finds them in <c>{bN}:seq:&lt;node&gt;</c> and applies only what is missing. Limits come from the state cache and
/// are compared inside the script with the new totals, so a crossing is seen once, by the call whose sum
/// crosses.
/// </remarks>
internal sealed class UsageApplier : IAsyncDisposable
{
    // Bounds one round: ARGV per bucket call stays in the low thousands and a round's buffers stay small.
    private const int MaxReportsPerRound = 32_768;
    private const int MaxBatchesPerRound = 256;
    // Two rounds in flight: the next round is gathered and encoded while Redis works on the previous one.
    private const int RoundsInFlight = 2;

    private readonly IDatabase _redis;
    private readonly SubscriptionStateCache _states;
    private readonly int _bucketCount;
    private readonly RedisKey[] _usagePrefixes;
    private readonly RedisKey[] _seqPrefixes;
    private readonly RedisKey[] _eventKeys;
    // Which key each (subscription, period) got in the call being built; only the loop's thread uses it.
    private readonly Dictionary<UsageKey, int> _keyIndex = [];
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _slots = new(RoundsInFlight, RoundsInFlight);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public UsageApplier(IDatabase redis, SubscriptionStateCache states, IngestOptions options)
    {
        _redis = redis;
        _states = states;
        _bucketCount = options.BucketCount;
        // Key names per bucket, encoded once. A usage or dedup key is one of these prefixes with the id after it
        // (RedisKey.Prepend keeps both arrays as they are and the library writes one after the other), so the hot path
        // never formats a string and never copies a prefix.
        _usagePrefixes = new RedisKey[_bucketCount];
        _seqPrefixes = new RedisKey[_bucketCount];
        _eventKeys = new RedisKey[_bucketCount];
        for (int b = 0; b < _bucketCount; b++)
        {
            _usagePrefixes[b] = Encoding.UTF8.GetBytes(RedisKeys.UsagePrefix(b));
            _seqPrefixes[b] = Encoding.UTF8.GetBytes(RedisKeys.SeqPrefix(b));
            _eventKeys[b] = Encoding.UTF8.GetBytes(RedisKeys.Events(b));
        }
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Decides and completes the batch before it is spooled: each report's subscription state (limit, period, and
    /// whether to cut it off) from the state cache, loading misses from Redis in one pipelined round, and, when
    /// <paramref name="decideScope"/>, the scope verdict of every report and access event (its inbound belongs to
    /// <paramref name="nodeId"/> and its subscription is linked to that inbound). A replay passes false: its verdicts
    /// were made at acceptance and read back from the spool. Adds to <paramref name="cutoff"/> only subscriptions of
    /// accepted reports, so a node learns nothing of subscriptions it does not serve.
    /// </summary>
    public ValueTask PrepareAsync(BatchContext batch, Guid nodeId, long nowMs, List<Guid> cutoff, bool decideScope, CancellationToken ct)
    {
        PendingReport[] reports = batch.Reports;
        int[]? missing = null;
        int missingCount = 0;
        for (int i = 0; i < batch.ReportCount; i++)
        {
            ref PendingReport r = ref reports[i];
            if (r.Verdict != ReportVerdict.Accepted) continue;
            if (_states.TryGet(r.SubscriptionId, nowMs, out SubscriptionState state))
            {
                Decide(batch, ref r, state, nodeId, nowMs, cutoff, decideScope);
            }
            else
            {
                missing ??= ArrayPool<int>.Shared.Rent(batch.ReportCount + (decideScope ? batch.AccessCount : 0));
                missing[missingCount++] = i;
            }
        }
        if (decideScope)
        {
            PendingAccess[] access = batch.Access;
            for (int a = 0; a < batch.AccessCount; a++)
            {
                ref PendingAccess e = ref access[a];
                if (_states.TryGetScope(e.SubscriptionId, nowMs, out SubscriptionScope scope))
                {
                    if (!scope.Allows(e.InboundId, nodeId)) batch.Reject(ref e, ReportVerdict.OutOfScope);
                }
                else
                {
                    missing ??= ArrayPool<int>.Shared.Rent(batch.ReportCount + batch.AccessCount);
                    missing[missingCount++] = batch.ReportCount + a; // past the reports: an access event
                }
            }
        }
        return missing is null ? ValueTask.CompletedTask : LoadMissingAsync(batch, nodeId, nowMs, cutoff, decideScope, missing, missingCount, ct);
    }

    private async ValueTask LoadMissingAsync(BatchContext batch, Guid nodeId, long nowMs, List<Guid> cutoff, bool decideScope, int[] missing, int missingCount, CancellationToken ct)
    {
        try
        {
            // The states come back from the load itself, not from a second cache lookup that an invalidation
            // could empty in between (which would treat a limited subscription as unlimited for this batch).
            var ids = new Guid[missingCount];
            for (int m = 0; m < missingCount; m++)
            {
                int i = missing[m];
                ids[m] = i < batch.ReportCount ? batch.Reports[i].SubscriptionId : batch.Access[i - batch.ReportCount].SubscriptionId;
            }
            SubscriptionState[] loaded = await _states.LoadAsync(ids, nowMs, ct);
            for (int m = 0; m < missingCount; m++)
            {
                int i = missing[m];
                if (i < batch.ReportCount)
                {
                    Decide(batch, ref batch.Reports[i], loaded[m], nodeId, nowMs, cutoff, decideScope);
                }
                else if (!loaded[m].Scope.Allows(batch.Access[i - batch.ReportCount].InboundId, nodeId))
                {
                    batch.Reject(ref batch.Access[i - batch.ReportCount], ReportVerdict.OutOfScope);
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(missing);
        }
    }

    /// <summary>
    /// Applies the batch's accepted reports (after <see cref="PrepareAsync"/>) and adds to <paramref name="cutoff"/>
    /// (each once) the subscriptions now over their limit. A report whose usage counter would pass int64 is rejected
    /// (<see cref="ReportVerdict.Overflow"/>) and the rest applied without it. Throws StackExchange.Redis's exceptions
    /// when Redis fails (<see cref="RedisFailure"/>). Once the batch is queued it is applied even if <paramref name="ct"/> fires, so a counted
    /// batch is never left half done by a client that hung up.
    /// </summary>
    public async ValueTask<UsageOutcome> ApplyAsync(BatchContext batch, Guid nodeId, long nowMs, List<Guid> cutoff, CancellationToken ct)
    {
        if (batch.ReportCount == batch.RejectedReports)
        {
            return new UsageOutcome(false);
        }
        var pending = new Pending(batch, nodeId, nowMs, cutoff);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);
        return await pending.Done.Task;
    }

    private async Task RunAsync()
    {
        ChannelReader<Pending> reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token))
            {
                await _slots.WaitAsync(_stopping.Token);
                var round = new List<Pending>();
                int reports = 0;
                while (round.Count < MaxBatchesPerRound && reports < MaxReportsPerRound && reader.TryRead(out Pending? p))
                {
                    round.Add(p);
                    reports += p.Batch.ReportCount;
                }
                _ = RunRoundAsync(round, reports);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        while (reader.TryRead(out Pending? left))
        {
            left.Done.TrySetException(new ObjectDisposedException(nameof(UsageApplier)));
        }
    }

    private async Task RunRoundAsync(List<Pending> round, int reportCount)
    {
        try
        {
            await ApplyRoundAsync(round, reportCount);
        }
        catch (Exception ex)
        {
            // Not a Redis failure (those are per bucket, below) but a bug: fail the round rather than hang it.
            foreach (Pending p in round) p.Error ??= ex;
        }
        finally
        {
            foreach (Pending p in round)
            {
                if (p.Error is { } error) p.Done.TrySetException(error);
                else p.Done.TrySetResult(new UsageOutcome(p.Duplicates == p.Portions));
            }
            // Last: DisposeAsync waits for every slot, so once it holds them all no round has a batch left to complete.
            _slots.Release();
        }
    }

    private async Task ApplyRoundAsync(List<Pending> round, int reportCount)
    {
        // Counting sort of (batch, report) by bucket, stable: within a bucket the entries stay grouped by batch,
        // and each group is one portion of that bucket's script call.
        int[] start = ArrayPool<int>.Shared.Rent(_bucketCount + 1);
        int[] next = ArrayPool<int>.Shared.Rent(_bucketCount);
        Entry[] order = ArrayPool<Entry>.Shared.Rent(reportCount);
        int[] keyOf = ArrayPool<int>.Shared.Rent(reportCount);
        var calls = new List<(Slice Slice, int Keys, Task<RedisResult> Reply)>(Math.Min(_bucketCount, reportCount));
        try
        {
            Array.Clear(start, 0, _bucketCount + 1);
            foreach (Pending p in round)
            {
                PendingReport[] reports = p.Batch.Reports;
                for (int r = 0; r < p.Batch.ReportCount; r++)
                {
                    if (reports[r].Verdict == ReportVerdict.Accepted) start[reports[r].Bucket + 1]++;
                }
            }
            for (int b = 0; b < _bucketCount; b++) start[b + 1] += start[b];
            Array.Copy(start, next, _bucketCount);
            for (int i = 0; i < round.Count; i++)
            {
                PendingReport[] reports = round[i].Batch.Reports;
                for (int r = 0; r < round[i].Batch.ReportCount; r++)
                {
                    if (reports[r].Verdict == ReportVerdict.Accepted) order[next[reports[r].Bucket]++] = new Entry(i, r);
                }
            }

            // Every first build runs here, on the loop's thread, before this method's first await: the shared
            // key index is never used by two builds at once. Each call is written to the connection as it is made, so
            // the round's calls travel pipelined and are awaited after the last is sent.
            for (int b = 0; b < _bucketCount; b++)
            {
                if (start[b] == start[b + 1]) continue;
                var slice = new Slice(b, round, order, keyOf, start[b], start[b + 1]);
                Task<RedisResult> reply = SendCall(slice, excluded: null, _keyIndex, out int keys);
                calls.Add((slice, keys, reply));
            }

            foreach ((Slice slice, int keys, Task<RedisResult> pending) in calls)
            {
                try
                {
                    await CompleteCallAsync(slice, keys, await pending);
                }
                catch (Exception ex) when (RedisFailure.Is(ex) || ex is InvalidOperationException)
                {
                    for (int e = slice.From; e < slice.To; e++) round[order[e].Batch].Error ??= ex;
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(start);
            ArrayPool<int>.Shared.Return(next);
            ArrayPool<Entry>.Shared.Return(order);
            ArrayPool<int>.Shared.Return(keyOf);
        }
    }

    /// <summary>
    /// Builds and sends one bucket's script call: the dedup key and seq of each portion not <paramref name="excluded"/>,
    /// and each distinct usage key once with the sum of its reports' deltas (<see cref="UsageScript"/>). Records in
    /// <see cref="Slice.KeyOf"/> which key each report went to, for reading the reply.
    /// </summary>
    /// <remarks>
    /// The KEYS and ARGV arrays are allocated at their exact size for each call: the library sends an array's whole
    /// length and holds the arrays until the reply (it sends them again after NOSCRIPT), so they cannot come from a
    /// pool. Every value is a number, which <see cref="RedisValue"/> holds inline; the one other allocation is the id
    /// part of each distinct usage key (the dedup key's id is the batch's own, made once per batch).
    /// </remarks>
    private Task<RedisResult> SendCall(Slice slice, bool[]? excluded, Dictionary<UsageKey, int> keyIndex, out int keyCount)
    {
        keyIndex.Clear();
        int entries = slice.To - slice.From;
        KeySlot[] slots = ArrayPool<KeySlot>.Shared.Rent(entries);
        int[] firstKeys = ArrayPool<int>.Shared.Rent(entries); // per portion: how many keys first appear in it
        try
        {
            int portions = 0, count = 0;
            long now = 0;
            for (int e0 = slice.From, e1; e0 < slice.To; e0 = e1)
            {
                e1 = slice.PortionEnd(e0);
                Pending p = slice.Round[slice.Order[e0].Batch];
                if (excluded is null) p.Portions++;
                else if (excluded[slice.Order[e0].Batch]) continue;
                now = Math.Max(now, p.NowMs);
                int before = count;
                PendingReport[] reports = p.Batch.Reports;
                for (int e = e0; e < e1; e++)
                {
                    ref PendingReport r = ref reports[slice.Order[e].Report];
                    if (r.Verdict != ReportVerdict.Accepted)
                    {
                        slice.KeyOf[e] = -1; // rejected for overflow by an earlier attempt of this call
                        continue;
                    }
                    ref int slot = ref CollectionsMarshal.GetValueRefOrAddDefault(keyIndex, new UsageKey(r.SubscriptionId, r.PeriodStart), out bool seen);
                    // A sum that would overflow a long starts a second entry for the same key (INCRBY refuses what
                    // Redis cannot hold anyway); each delta is at most 2^51.
                    if (seen && slots[slot].Delta <= long.MaxValue - r.Delta)
                    {
                        slots[slot].Delta += r.Delta;
                        slots[slot].Limit = r.Limit; // the latest batch's state
                    }
                    else
                    {
                        slot = count;
                        slots[count++] = new KeySlot(e, r.Limit, r.Delta);
                    }
                    slice.KeyOf[e] = slot;
                }
                firstKeys[portions++] = count - before;
            }
            keyCount = count;

            // KEYS: the events key, a dedup key per portion, then the usage keys. ARGV: the portion count and the time,
            // (seq, keys first seen) per portion, then (limit, delta) per usage key.
            var keys = new RedisKey[1 + portions + count];
            var values = new RedisValue[2 + (2 * portions) + (2 * count)];
            keys[0] = _eventKeys[slice.Bucket];
            values[0] = portions;
            values[1] = now;
            RedisKey seqPrefix = _seqPrefixes[slice.Bucket];
            int portion = 0;
            for (int e0 = slice.From, e1; e0 < slice.To; e0 = e1)
            {
                e1 = slice.PortionEnd(e0);
                if (excluded is not null && excluded[slice.Order[e0].Batch]) continue;
                Pending p = slice.Round[slice.Order[e0].Batch];
                keys[1 + portion] = p.NodeId.Prepend(seqPrefix);
                values[2 + (2 * portion)] = p.Batch.Header.Seq; // a ulong: sent as its exact decimal digits
                values[3 + (2 * portion)] = firstKeys[portion];
                portion++;
            }

            RedisKey usagePrefix = _usagePrefixes[slice.Bucket];
            // The id part of a usage key: the subscription's 32 hex digits, ':' and the period start (up to 20 digits).
            Span<byte> id = stackalloc byte[RedisKeys.IdChars + 1 + 20];
            id[RedisKeys.IdChars] = (byte)':';
            for (int k = 0, key = 1 + portions, value = 2 + (2 * portions); k < count; k++, key++, value += 2)
            {
                ref PendingReport r = ref slice.Report(slots[k].Entry);
                RedisKeys.WriteId(r.SubscriptionId, id);
                Utf8Formatter.TryFormat(r.PeriodStart, id[(RedisKeys.IdChars + 1)..], out int digits);
                keys[key] = ((RedisKey)id[..(RedisKeys.IdChars + 1 + digits)].ToArray()).Prepend(usagePrefix);
                values[value] = slots[k].Limit;
                values[value + 1] = slots[k].Delta;
            }
            return _redis.ScriptEvaluateAsync(UsageScript.Source, keys, values);
        }
        finally
        {
            ArrayPool<KeySlot>.Shared.Return(slots);
            ArrayPool<int>.Shared.Return(firstKeys);
        }
    }

    /// <summary>
    /// Hands the bucket's portions their result. When the script found portions it had applied before (a node's
    /// retry), it applied nothing: those portions are counted as duplicates and the call goes again without them.
    /// When an increment would have passed int64, it applied nothing either: the reports of that key are rejected
    /// (<see cref="ReportVerdict.Overflow"/>) and the call goes again without them.
    /// </summary>
    private async ValueTask CompleteCallAsync(Slice slice, int keyCount, RedisResult reply)
    {
        bool[]? excluded = null;
        long code;
        while ((code = (long)reply[0]) != UsageScript.Applied)
        {
            excluded ??= new bool[slice.Round.Count];
            if (code == UsageScript.Overflow)
            {
                RejectOverflow(slice, excluded, (int)reply[1][0]);
            }
            else if (!ExcludeDuplicates(slice, excluded, reply[1]))
            {
                return;
            }
            // Possibly concurrent with the loop building the next round: a key index of its own (rare path).
            reply = await SendCall(slice, excluded, new Dictionary<UsageKey, int>(), out keyCount);
        }

        RedisResult over = reply[1];
        if (over.Length == 0)
        {
            return;
        }
        bool[] isOver = ArrayPool<bool>.Shared.Rent(keyCount);
        try
        {
            Array.Clear(isOver, 0, keyCount);
            for (int k = 0; k < over.Length; k++) isOver[(int)over[k]] = true;
            for (int e = slice.From; e < slice.To; e++)
            {
                Entry entry = slice.Order[e];
                if ((excluded is null || !excluded[entry.Batch]) && slice.KeyOf[e] >= 0 && isOver[slice.KeyOf[e]])
                {
                    Pending p = slice.Round[entry.Batch];
                    AddOnce(p.Cutoff, p.Batch.Reports[entry.Report].SubscriptionId);
                }
            }
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(isOver);
        }
    }

    /// <summary>Rejects every report of the call that went to usage key <paramref name="key"/> (the one that would overflow).</summary>
    private static void RejectOverflow(Slice slice, bool[] excluded, int key)
    {
        for (int e = slice.From; e < slice.To; e++)
        {
            // An excluded portion was left out of the call that answered, so its key indexes are from an older one.
            if (slice.KeyOf[e] != key || excluded[slice.Order[e].Batch]) continue;
            BatchContext batch = slice.Round[slice.Order[e].Batch].Batch;
            batch.Reject(ref batch.Reports[slice.Order[e].Report], ReportVerdict.Overflow);
        }
    }

    /// <summary>
    /// Excludes the portions the script reported as applied before (their 0-based indexes among the portions of
    /// the call, ascending) and counts each as a duplicate; false when no portion is left to send.
    /// </summary>
    private static bool ExcludeDuplicates(Slice slice, bool[] excluded, RedisResult duplicates)
    {
        int portion = 0, d = 0;
        bool left = false;
        for (int e0 = slice.From, e1; e0 < slice.To; e0 = e1)
        {
            e1 = slice.PortionEnd(e0);
            int batch = slice.Order[e0].Batch;
            if (excluded[batch]) continue;
            if (d < duplicates.Length && (long)duplicates[d] == portion)
            {
                excluded[batch] = true;
                slice.Round[batch].Duplicates++;
                d++;
            }
            else
            {
                left = true;
            }
            portion++;
        }
        return left;
    }

    private static void Decide(BatchContext batch, ref PendingReport report, SubscriptionState state, Guid nodeId, long nowMs, List<Guid> cutoff, bool decideScope)
    {
        if (decideScope && !state.Scope.Allows(report.InboundId, nodeId))
        {
            batch.Reject(ref report, ReportVerdict.OutOfScope);
            return;
        }
        report.PeriodStart = state.PeriodStart(nowMs);
        report.Limit = state.MaxTraffic ?? -1;
        if (state.IsBlocked(nowMs))
        {
            AddOnce(cutoff, report.SubscriptionId);
        }
    }

    private static void AddOnce(List<Guid> list, Guid id)
    {
        // Cutoff lists are short (a handful of ids): a linear scan beats hashing here.
        foreach (Guid g in list)
        {
            if (g == id) return;
        }
        list.Add(id);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync();
        await _loop;
        // Rounds already sent run to the end (each Redis call has its timeout) and complete their batches.
        for (int i = 0; i < RoundsInFlight; i++) await _slots.WaitAsync();
        _stopping.Dispose();
        _slots.Dispose();
    }

    private readonly record struct Entry(int Batch, int Report);

    private readonly record struct UsageKey(Guid Subscription, long PeriodStart);

    /// <summary>One distinct usage key of a call: the entry that first named it, its limit and its summed delta.</summary>
    private record struct KeySlot(int Entry, long Limit, long Delta);

    /// <summary>
    /// One bucket's share of a round: entries <c>[From, To)</c> of <see cref="Order"/>, grouped by batch (each group
    /// is a portion); <see cref="KeyOf"/> holds, per entry, the index of its usage key in the bucket's call.
    /// </summary>
    private readonly record struct Slice(int Bucket, List<Pending> Round, Entry[] Order, int[] KeyOf, int From, int To)
    {
        public int PortionEnd(int e0)
        {
            int e1 = e0 + 1;
            while (e1 < To && Order[e1].Batch == Order[e0].Batch) e1++;
            return e1;
        }

        public ref PendingReport Report(int entry) => ref Round[Order[entry].Batch].Batch.Reports[Order[entry].Report];
    }

    /// <summary>One request's batch waiting for, then inside, a round. Only the round's loop writes to it.</summary>
    private sealed class Pending(BatchContext batch, Guid node, long nowMs, List<Guid> cutoff)
    {
        public BatchContext Batch { get; } = batch;
        /// <summary>The node's id as its dedup keys end (32 hex digits): made once per batch, not per bucket call.</summary>
        public RedisKey NodeId { get; } = HexId(node);
        public long NowMs { get; } = nowMs;
        public List<Guid> Cutoff { get; } = cutoff;
        public int Portions { get; set; }
        public int Duplicates { get; set; }
        public Exception? Error { get; set; }
        public TaskCompletionSource<UsageOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private static byte[] HexId(Guid id)
        {
            var hex = new byte[RedisKeys.IdChars];
            RedisKeys.WriteId(id, hex);
            return hex;
        }
    }
}
