using System.Security.Cryptography;
using System.Text;
using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The Lua script that applies, atomically, every pending report of one key bucket: the portions of all the
/// batches one applier round gathered for that bucket (see <see cref="UsageApplier"/>), with the reports that
/// count for the same usage key already summed by Ingest.
/// </summary>
/// <remarks>
/// KEYS: <c>{bN}:events</c>, then one dedup key <c>{bN}:seq:&lt;node&gt;</c> per portion, then each distinct usage key
/// <c>{bN}:u:&lt;sid&gt;:&lt;period start&gt;</c> once, those with a limit first (all declared, so the call is routed and
/// checked like any Cluster command).
/// ARGV: the portion count P, the round's time (unix ms, for events), the seq (decimal) of each portion, the count L of
/// usage keys with a limit, then for each of those its limit (bytes) and the 1-based portion that named it first (whose
/// node an event names), then the summed delta of every usage key. A key without a limit costs one argument, not three:
/// most keys have none, and Redis parses and Lua interns every argument (measured: this layout and the script's locals
/// brought a 160-key call from 126 to 108 µs, as fast as the script before it rolled back a failed increment).
/// Returns <c>{0, over}</c> once applied, <c>over</c> being the 0-based indexes of the usage keys now at or over
/// their limit; or <c>{1, duplicates}</c>, having applied nothing, when some portions were applied before (a
/// retry): their 0-based indexes, so Ingest sends the call again without them; or <c>{2, {key}}</c>, having applied
/// nothing, when the increment of usage key <c>key</c> (0-based) would pass int64, so Ingest rejects the reports of
/// that key and sends the call again without them; or an error reply, having applied nothing, when an increment
/// failed for any other reason (Redis out of memory), which the request answers with 503. Retries are rare, and
/// checking every portion before writing anything is what lets Ingest sum a round's reports per key: one
/// <c>INCRBY</c> per distinct key, not per report, plus an MGET and an MSET per call.
/// Redis does not roll a script back when a command fails, so the order is what keeps "nothing applied" true: the
/// increments go first, through <c>redis.pcall</c> (an error is a value, not the end of the script), and on an error
/// the ones already made are taken back with <c>DECRBY</c>; only when all succeeded are the seqs recorded (MSET) and
/// the events added. A failed call therefore never leaves a seq recorded for a batch whose usage is not.
/// An event is added only when a key's new total crosses its limit, so one crossing gives one event.
/// Seqs are compared as decimal strings, because Lua numbers are doubles and lose uint64 precision.
/// </remarks>
internal static class UsageScript
{
    /// <summary>Reply codes (the first element).</summary>
    public const long Applied = 0;
    public const long Duplicates = 1;
    public const long Overflow = 2;

    /// <summary>The SHA1 of <see cref="Source"/>, by which EVALSHA names it.</summary>
#pragma warning disable CA5350 // Redis names a script by its SHA1: an identifier, not a security measure
    public static readonly byte[] Sha1 = SHA1.HashData(Encoding.UTF8.GetBytes(Source));
#pragma warning restore CA5350

    public const string Source = $$$"""
        -- Locals, not globals: the increment loop reads them once per key.
        local KEYS, ARGV, increment, type, tonumber = KEYS, ARGV, redis.pcall, type, tonumber
        local portions = tonumber(ARGV[1])
        local now = ARGV[2]
        local stored = redis.call('MGET', unpack(KEYS, 2, portions + 1))
        local newest = {}
        local updates = {}
        local duplicates = {}
        for p = 1, portions do
          local node, seq = KEYS[p + 1], ARGV[2 + p]
          local last = newest[node] or stored[p]
          if last and (#last > #seq or (#last == #seq and last >= seq)) then
            duplicates[#duplicates + 1] = p - 1
          else
            newest[node] = seq
            updates[#updates + 1] = node
            updates[#updates + 1] = seq
          end
        end
        if #duplicates > 0 then return {1, duplicates} end
        local first = portions + 2
        local limited = tonumber(ARGV[3 + portions])
        local limits = 3 + portions
        local deltas = limits + limited * 2
        local over = {}
        local crossed = {}
        for k = 1, #KEYS - first + 1 do
          -- The delta goes to INCRBY as the string it arrived as: a Lua number would be formatted back
          -- into a string by redis.call, which costs more than the increment itself.
          local delta = ARGV[deltas + k]
          local total = increment('INCRBY', KEYS[first + k - 1], delta)
          if type(total) == 'table' then
            for u = 1, k - 1 do redis.call('DECRBY', KEYS[first + u - 1], ARGV[deltas + u]) end
            if string.find(total.err, 'overflow', 1, true) then return {2, {k - 1}} end
            -- Anything else (out of memory, a key of another type) is no report's fault: the call fails with
            -- nothing applied, and the node retries.
            return redis.error_reply(total.err)
          end
          if k <= limited then
            local limit = tonumber(ARGV[limits + k * 2 - 1])
            if total >= limit then
              over[#over + 1] = k - 1
              if total - tonumber(delta) < limit then
                crossed[#crossed + 1] = k
                crossed[#crossed + 1] = total
              end
            end
          end
        end
        redis.call('MSET', unpack(updates))
        for c = 1, #crossed, 2 do
          local k, total = crossed[c], crossed[c + 1]
          local sid, start = string.match(KEYS[first + k - 1], ':u:(%x+):(%d+)$')
          local node = KEYS[1 + tonumber(ARGV[limits + k * 2])]
          redis.call('XADD', KEYS[1], 'MAXLEN', '~', '100000', '*',
            '{{{OverLimitEvent.Fields.Subscription}}}', sid, '{{{OverLimitEvent.Fields.PeriodStart}}}', start,
            '{{{OverLimitEvent.Fields.Used}}}', total, '{{{OverLimitEvent.Fields.Limit}}}', ARGV[limits + k * 2 - 1],
            '{{{OverLimitEvent.Fields.Node}}}', string.match(node, ':seq:(%x+)$'), '{{{OverLimitEvent.Fields.At}}}', now)
        end
        return {0, over}
        """;
}
