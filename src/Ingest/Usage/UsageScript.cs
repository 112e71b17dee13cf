namespace Vpn.Perf.Ingest.Usage;

/// <summary>
/// The Lua script that applies, atomically, every pending report of one key bucket: the portions of all the
/// batches one applier round gathered for that bucket (see <see cref="UsageApplier"/>).
/// </summary>
/// <remarks>
/// KEYS: <c>{bN}:events</c>, then one dedup key <c>{bN}:seq:&lt;node&gt;</c> per portion, then one usage key
/// <c>{bN}:u:&lt;sid&gt;:&lt;period start&gt;</c> per report in ARGV's report order (all declared, so the call is routed
/// and checked like any Cluster command).
/// ARGV: the portion count P, the round's time (unix ms, for events), then per portion: seq (decimal), report
/// count n, then per report two values: the limit (bytes, -1 = unlimited) and the delta (bytes up + down).
/// Returns one entry per portion: -1 when this bucket already applied that (node, seq) (a retry), otherwise
/// the 0-based indexes, within the portion, of the reports whose subscription is now at or over its limit.
/// Cost: one <c>redis.call</c> per report plus an MGET and an MSET per call, so the fixed cost of a script
/// call is shared by every batch of the round. An event is added only by the report that crosses the limit.
/// A duplicate portion's keys are skipped by index, so every portion's reports stay aligned with KEYS.
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
        local out = {}
        local i = 3
        local key = portions + 2
        for p = 1, portions do
          local node, seq, n = KEYS[p + 1], ARGV[i], tonumber(ARGV[i + 1])
          i = i + 2
          local last = newest[node] or stored[p]
          if last and (#last > #seq or (#last == #seq and last >= seq)) then
            out[p] = -1
          else
            newest[node] = seq
            updates[#updates + 1] = node
            updates[#updates + 1] = seq
            local over = {}
            local k = 0
            for r = 0, n - 1 do
              local j = i + r * 2
              -- The delta goes to INCRBY as the string it arrived as: a Lua number would be formatted back
              -- into a string by redis.call, which costs more than the increment itself.
              local total = redis.call('INCRBY', KEYS[key + r], ARGV[j + 1])
              local limit = ARGV[j]
              if limit ~= '-1' and total >= tonumber(limit) then
                k = k + 1
                over[k] = r
                if total - tonumber(ARGV[j + 1]) < tonumber(limit) then
                  local sid, start = string.match(KEYS[key + r], ':u:(%x+):(%d+)$')
                  redis.call('XADD', KEYS[1], 'MAXLEN', '~', '100000', '*',
                    'subscription', sid, 'period_start', start, 'used', total, 'limit', limit,
                    'node', string.match(node, ':seq:(%x+)$'), 'at', now)
                end
              end
            end
            out[p] = over
          end
          i = i + n * 2
          key = key + n
        end
        if #updates > 0 then redis.call('MSET', unpack(updates)) end
        return out
        """;
}
