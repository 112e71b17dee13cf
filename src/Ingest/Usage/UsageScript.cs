using Vpn.Perf.Shared.Contracts;

namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The Lua script that applies, atomically, every pending report of one key bucket: the portions of all the
/// batches one applier round gathered for that bucket (see <see cref="UsageApplier"/>), with the reports that
/// count for the same usage key already summed by Ingest.
/// </summary>
/// <remarks>
/// KEYS: <c>{bN}:events</c>, then one dedup key <c>{bN}:seq:&lt;node&gt;</c> per portion, then each distinct usage key
/// <c>{bN}:u:&lt;sid&gt;:&lt;period start&gt;</c> once, ordered by the portion it first appears in (all declared, so the
/// call is routed and checked like any Cluster command).
/// ARGV: the portion count P, the round's time (unix ms, for events), then per portion its seq (decimal) and how
/// many usage keys first appear in it, then per usage key the limit (bytes, -1 = unlimited) and the summed delta.
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

    public const string Source = $$$"""
        local portions = tonumber(ARGV[1])
        local now = ARGV[2]
        local stored = redis.call('MGET', unpack(KEYS, 2, portions + 1))
        local newest = {}
        local updates = {}
        local duplicates = {}
        for p = 1, portions do
          local node, seq = KEYS[p + 1], ARGV[1 + p * 2]
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
        local args = 3 + portions * 2
        local keys = #KEYS - first + 1
        local totals = {}
        for k = 1, keys do
          -- The delta goes to INCRBY as the string it arrived as: a Lua number would be formatted back
          -- into a string by redis.call, which costs more than the increment itself.
          local total = redis.pcall('INCRBY', KEYS[first + k - 1], ARGV[args + k * 2 - 1])
          if type(total) == 'table' then
            for u = 1, k - 1 do redis.call('DECRBY', KEYS[first + u - 1], ARGV[args + u * 2 - 1]) end
            if string.find(total.err, 'overflow', 1, true) then return {2, {k - 1}} end
            -- Anything else (out of memory, a key of another type) is no report's fault: the call fails with
            -- nothing applied, and the node retries.
            return redis.error_reply(total.err)
          end
          totals[k] = total
        end
        redis.call('MSET', unpack(updates))
        local over = {}
        local k = 1
        for p = 1, portions do
          for r = 1, tonumber(ARGV[2 + p * 2]) do
            local limit, total = ARGV[args + k * 2 - 2], totals[k]
            if limit ~= '-1' and total >= tonumber(limit) then
              over[#over + 1] = k - 1
              if total - tonumber(ARGV[args + k * 2 - 1]) < tonumber(limit) then
                local sid, start = string.match(KEYS[first + k - 1], ':u:(%x+):(%d+)$')
                redis.call('XADD', KEYS[1], 'MAXLEN', '~', '100000', '*',
                  '{{{OverLimitEvent.Fields.Subscription}}}', sid, '{{{OverLimitEvent.Fields.PeriodStart}}}', start,
                  '{{{OverLimitEvent.Fields.Used}}}', total, '{{{OverLimitEvent.Fields.Limit}}}', limit,
                  '{{{OverLimitEvent.Fields.Node}}}', string.match(KEYS[p + 1], ':seq:(%x+)$'), '{{{OverLimitEvent.Fields.At}}}', now)
              end
            end
            k = k + 1
          end
        end
        return {0, over}
        """;
}
