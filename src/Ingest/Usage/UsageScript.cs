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
/// retry): their 0-based indexes, so Ingest sends the call again without them. Retries are rare, and checking every
/// portion before writing anything is what lets Ingest sum a round's reports per key: one <c>INCRBY</c> per
/// distinct key, not per report, plus an MGET and an MSET per call.
/// An event is added only when a key's new total crosses its limit, so one crossing gives one event.
/// Seqs are compared as decimal strings, because Lua numbers are doubles and lose uint64 precision.
/// </remarks>
internal static class UsageScript
{
    public const string Source = """
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
        redis.call('MSET', unpack(updates))
        local over = {}
        local key = portions + 2
        local i = 3 + portions * 2
        for p = 1, portions do
          for r = 1, tonumber(ARGV[2 + p * 2]) do
            -- The delta goes to INCRBY as the string it arrived as: a Lua number would be formatted back
            -- into a string by redis.call, which costs more than the increment itself.
            local limit, delta = ARGV[i], ARGV[i + 1]
            local total = redis.call('INCRBY', KEYS[key], delta)
            if limit ~= '-1' and total >= tonumber(limit) then
              over[#over + 1] = key - portions - 2
              if total - tonumber(delta) < tonumber(limit) then
                local sid, start = string.match(KEYS[key], ':u:(%x+):(%d+)$')
                redis.call('XADD', KEYS[1], 'MAXLEN', '~', '100000', '*',
                  'subscription', sid, 'period_start', start, 'used', total, 'limit', limit,
                  'node', string.match(KEYS[p + 1], ':seq:(%x+)$'), 'at', now)
              end
            end
            i = i + 2
            key = key + 1
          end
        end
        return {0, over}
        """;
}
