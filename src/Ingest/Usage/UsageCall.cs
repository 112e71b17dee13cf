using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using StackExchange.Redis;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// One bucket's <see cref="UsageScript"/> call within a round of <see cref="UsageApplier"/>: lays out KEYS and ARGV
/// as the script reads them, sends the call, and reads the reply into the round's batches (their cutoffs, duplicates,
/// overflow verdicts and failures), sending the call again without the portions a reply excludes.
/// </summary>
internal sealed class UsageCall
{
    // The library sends KEYS and ARGV whole, so they come at their exact lengths from pools of their own; each call's
    // go back once its reply is read (never after a failure: the library may still hold them).
    private static readonly ExactLengthPool<RedisKey> KeyArrays = new();
    private static readonly ExactLengthPool<RedisValue> ValueArrays = new();

    private readonly IDatabase _redis;
    private readonly UsageKeyNames _names;
    private readonly RoundSlice _slice;
    private readonly Task<RedisResult> _reply;
    private int _keyCount;
    private RedisKey[]? _sentKeys;
    private RedisValue[]? _sentValues;

    private UsageCall(IDatabase redis, UsageKeyNames names, RoundSlice slice, Dictionary<UsageKey, int> keyIndex)
    {
        _redis = redis;
        _names = names;
        _slice = slice;
        _reply = Send(excluded: null, keyIndex);
    }

    /// <summary>
    /// Lays out and sends the call for <paramref name="slice"/>, counting a portion for each of its batches. The call is
    /// written to the connection before this returns, so a round's calls travel pipelined. <paramref name="keyIndex"/> is
    /// scratch space its caller owns and never shares with another build running at the same time.
    /// </summary>
    public static UsageCall Send(IDatabase redis, UsageKeyNames names, RoundSlice slice, Dictionary<UsageKey, int> keyIndex)
        => new(redis, names, slice, keyIndex);

    /// <summary>
    /// Awaits the reply and hands the bucket's batches their result; a Redis failure becomes the error of every batch
    /// with a portion in this call (so their requests answer 503), leaving the other buckets' calls applied.
    /// </summary>
    public async Task CompleteAsync()
    {
        try
        {
            RedisResult reply;
            try
            {
                reply = await _reply;
            }
            catch (RedisServerException ex) when (ex.Kind == RedisErrorKind.NoScript)
            {
                // The server does not hold the script (first call on it, a restart, a failover, SCRIPT FLUSH): it ran
                // nothing, so the same call goes again with the script's text, which the library loads.
                reply = await _redis.ScriptEvaluateAsync(UsageScript.Source, _sentKeys, _sentValues);
            }
            ReturnArrays();
            await CompleteAsync(reply);
        }
        catch (Exception ex) when (RedisFailure.Is(ex) || ex is InvalidOperationException)
        {
            for (int e = _slice.From; e < _slice.To; e++) _slice.BatchOf(e).Error ??= ex;
        }
    }

    /// <summary>
    /// Builds and sends the call: the dedup key and seq of each portion not <paramref name="excluded"/>, and each distinct
    /// usage key once with the sum of its reports' deltas. Records in <see cref="RoundSlice.KeyOf"/> which key each report
    /// went to, for reading the reply.
    /// </summary>
    /// <remarks>
    /// The KEYS and ARGV arrays are rented at their exact size (the library sends an array's whole length) and held until
    /// the reply is read (the library sends them again after NOSCRIPT). Every value is a number, which
    /// <see cref="RedisValue"/> holds inline. A usage key's name comes with its report from the state cache, made once per
    /// load (<see cref="PendingReport.UsageKey"/>); only a report whose state was just loaded, or whose period began since,
    /// has its name made here. (A table of names kept by the call, looked up per report, was tried: its lookups across
    /// every subscription cost more than the names, perf 2026-12-07.) The dedup key's id is the batch's own, made once.
    /// The call names the script by its SHA1 (EVALSHA): the overload taking the text looks the 2.5 KB text up in the
    /// library's table of loaded scripts, hashing it on every call.
    /// </remarks>
    private Task<RedisResult> Send(bool[]? excluded, Dictionary<UsageKey, int> keyIndex)
    {
        RoundSlice slice = _slice;
        keyIndex.Clear();
        int entries = slice.To - slice.From;
        KeySlot[] slots = ArrayPool<KeySlot>.Shared.Rent(entries);
        int[] position = ArrayPool<int>.Shared.Rent(entries); // per slot: its place among the call's usage keys
        try
        {
            int portions = 0, count = 0, limited = 0;
            long now = 0;
            for (int e0 = slice.From, e1; e0 < slice.To; e0 = e1)
            {
                e1 = slice.PortionEnd(e0);
                QueuedBatch p = slice.BatchOf(e0);
                if (excluded is null) p.Portions++;
                else if (excluded[slice.Order[e0].Batch]) continue;
                now = Math.Max(now, p.NowMs);
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
                        slots[count++] = new KeySlot(e, portions, r.Limit, r.Delta);
                    }
                    slice.KeyOf[e] = slot;
                }
                portions++;
            }
            _keyCount = count;

            // The keys with a limit go first (in the order they were named), then the others: the script reads a limit
            // and a portion for the first ones only. KeyOf then names each report's key by its place in the call, as
            // the reply does.
            for (int k = 0; k < count; k++) limited += slots[k].Limit >= 0 ? 1 : 0;
            for (int k = 0, withLimit = 0, without = limited; k < count; k++)
            {
                position[k] = slots[k].Limit >= 0 ? withLimit++ : without++;
            }
            for (int e = slice.From; e < slice.To; e++)
            {
                if (slice.KeyOf[e] >= 0 && (excluded is null || !excluded[slice.Order[e].Batch])) slice.KeyOf[e] = position[slice.KeyOf[e]];
            }

            // KEYS: the events key, a dedup key per portion, then the usage keys. ARGV: the portion count, the time, the
            // seq of each portion, the count of keys with a limit and (limit, portion) of each, then each key's delta.
            // Every element of both is set below.
            RedisKey[] keys = _sentKeys = KeyArrays.Rent(1 + portions + count);
            RedisValue[] values = _sentValues = ValueArrays.Rent(3 + portions + (2 * limited) + count);
            keys[0] = _names.Events(slice.Bucket);
            values[0] = portions;
            values[1] = now;
            values[2 + portions] = limited;
            RedisKey seqPrefix = _names.SeqPrefix(slice.Bucket);
            int portion = 0;
            for (int e0 = slice.From, e1; e0 < slice.To; e0 = e1)
            {
                e1 = slice.PortionEnd(e0);
                if (excluded is not null && excluded[slice.Order[e0].Batch]) continue;
                QueuedBatch p = slice.BatchOf(e0);
                keys[1 + portion] = p.NodeId.Prepend(seqPrefix);
                values[2 + portion] = p.Batch.Header.Seq; // a ulong: sent as its exact decimal digits
                portion++;
            }

            int limits = 3 + portions, deltas = limits + (2 * limited);
            for (int k = 0; k < count; k++)
            {
                ref PendingReport r = ref slice.Report(slots[k].Entry);
                int at = position[k];
                keys[1 + portions + at] = r.UsageKey ?? Encoding.UTF8.GetBytes(RedisKeys.UsageInBucket(slice.Bucket, r.SubscriptionId, r.PeriodStart));
                values[deltas + at] = slots[k].Delta;
                if (at < limited)
                {
                    values[limits + (2 * at)] = slots[k].Limit;
                    values[limits + (2 * at) + 1] = slots[k].Portion + 1; // 1-based, as Lua counts
                }
            }
            return _redis.ScriptEvaluateAsync(UsageScript.Sha1, keys, values);
        }
        finally
        {
            ArrayPool<KeySlot>.Shared.Return(slots);
            ArrayPool<int>.Shared.Return(position);
        }
    }

    /// <summary>
    /// When the script found portions it had applied before (a node's retry), it applied nothing: those portions are
    /// counted as duplicates and the call goes again without them. When an increment would have passed int64, it applied
    /// nothing either: the reports of that key are rejected (<see cref="ReportVerdict.Overflow"/>) and the call goes
    /// again without them. Once applied, the batches of the keys now over their limit get their subscription cut off.
    /// </summary>
    private async ValueTask CompleteAsync(RedisResult reply)
    {
        bool[]? excluded = null;
        long code;
        while ((code = (long)reply[0]) != UsageScript.Applied)
        {
            excluded ??= new bool[_slice.Round.Count];
            if (code == UsageScript.Overflow)
            {
                RejectOverflow(excluded, (int)reply[1][0]);
            }
            else if (!ExcludeDuplicates(excluded, reply[1]))
            {
                return;
            }
            // Possibly concurrent with the loop building the next round: a key index of its own (rare path).
            reply = await Send(excluded, []);
            ReturnArrays();
        }

        RedisResult over = reply[1];
        if (over.Length == 0)
        {
            return;
        }
        bool[] isOver = ArrayPool<bool>.Shared.Rent(_keyCount);
        try
        {
            Array.Clear(isOver, 0, _keyCount);
            for (int k = 0; k < over.Length; k++) isOver[(int)over[k]] = true;
            for (int e = _slice.From; e < _slice.To; e++)
            {
                RoundEntry entry = _slice.Order[e];
                if ((excluded is null || !excluded[entry.Batch]) && _slice.KeyOf[e] >= 0 && isOver[_slice.KeyOf[e]])
                {
                    QueuedBatch p = _slice.Round[entry.Batch];
                    Cutoff.AddOnce(p.Batch.Cutoff, p.Batch.Reports[entry.Report].SubscriptionId);
                }
            }
        }
        finally
        {
            ArrayPool<bool>.Shared.Return(isOver);
        }
    }

    /// <summary>Gives the arrays of the call just answered back to their pools.</summary>
    private void ReturnArrays()
    {
        KeyArrays.Return(_sentKeys!);
        ValueArrays.Return(_sentValues!);
        _sentKeys = null;
        _sentValues = null;
    }

    /// <summary>Rejects every report of the call that went to usage key <paramref name="key"/> (the one that would overflow).</summary>
    private void RejectOverflow(bool[] excluded, int key)
    {
        for (int e = _slice.From; e < _slice.To; e++)
        {
            // An excluded portion was left out of the call that answered, so its key indexes are from an older one.
            if (_slice.KeyOf[e] != key || excluded[_slice.Order[e].Batch]) continue;
            BatchContext batch = _slice.BatchOf(e).Batch;
            batch.Reject(ref batch.Reports[_slice.Order[e].Report], ReportVerdict.Overflow);
        }
    }

    /// <summary>
    /// Excludes the portions the script reported as applied before (their 0-based indexes among the portions of
    /// the call, ascending) and counts each as a duplicate; false when no portion is left to send.
    /// </summary>
    private bool ExcludeDuplicates(bool[] excluded, RedisResult duplicates)
    {
        int portion = 0, d = 0;
        bool left = false;
        for (int e0 = _slice.From, e1; e0 < _slice.To; e0 = e1)
        {
            e1 = _slice.PortionEnd(e0);
            int batch = _slice.Order[e0].Batch;
            if (excluded[batch]) continue;
            if (d < duplicates.Length && (long)duplicates[d] == portion)
            {
                excluded[batch] = true;
                _slice.Round[batch].Duplicates++;
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

    /// <summary>A usage counter: one per subscription and period.</summary>
    public readonly record struct UsageKey(Guid Subscription, long PeriodStart);

    /// <summary>One distinct usage key of a call: the entry and the portion (0-based) that first named it, its limit (negative:
    /// none) and its summed delta.</summary>
    private record struct KeySlot(int Entry, int Portion, long Limit, long Delta);
}
